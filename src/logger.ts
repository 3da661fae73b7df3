import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';

/**
 * JSON logs; tokens, secrets and addresses are redacted wherever they appear as fields.
 * `pretty` (development on a terminal): the same lines made readable by pino-pretty,
 * loaded only then.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream, opts: { pretty?: boolean } = {}): Logger {
  const out = destination ?? (opts.pretty ? prettyStream() : process.stdout);
  return pino(
    {
      level,
      base: { app: 'briefwire' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'email',
          'to',
          '*.email',
          'token',
          '*.token',
          'secretKey',
          'config.secretKey',
        ],
        censor: '[redacted]',
      },
      serializers: {
        // Paths carry tokens (/confirm/<token>); log the route shape, not the secret.
        req: (req: { method?: string; url?: string; id?: string }) => ({
          id: req.id,
          method: req.method,
          // A search (?q=) is usually an address: request logs must not keep it after its reader is erased.
          url: (req.url ?? '').replace(/^\/(confirm|unsubscribe|preferences)\/[^/?#]+/, '/$1/[token]').replace(/([?&]q=)[^&#]*/g, '$1[redacted]'),
        }),
      },
    },
    out,
  );
}

function prettyStream(): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: object) => NodeJS.WritableStream;
  return pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app' });
}

export type { Logger };
