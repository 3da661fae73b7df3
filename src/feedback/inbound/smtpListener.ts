import type { AddressInfo } from 'node:net';
import { domainToASCII } from 'node:url';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../logger.ts';
import type { ConnectionRateLimiter } from './connectionRate.ts';
import { InboxError, type Inbox } from './inbox.ts';

/**
 * The inbound bounce MX: an SMTP server an MX record can point at, for the
 * DSNs and complaints that come back to `bounces+<token>@<domain>`. It takes
 * mail for that one domain only (never a relay), answers 250 only once the
 * message is in the Redis inbox, and otherwise a 4xx so the sender keeps it
 * and retries. Any number of workers can run it: the inbox and the per-IP
 * connection counter are in Redis.
 */

export interface BounceListenerOptions {
  host: string;
  /** 0 picks a free port (tests); `port` on the result says which. */
  port: number;
  /** The BOUNCE_ADDRESS domain: the only one RCPT TO accepts. */
  domain: string;
  inbox: Inbox;
  logger: Logger;
  /** Counts connections per client in Redis; past its limit a client gets 421. */
  rateLimiter: ConnectionRateLimiter;
  /** Advertised (SIZE) and enforced: a bigger message gets 552 and is not queued. Default 10 MB. */
  maxMessageBytes?: number;
  /** Inactivity before a connection is dropped. Default 60 s. */
  socketTimeoutMs?: number;
  /** Default 50; more get 452 (the sender sends the rest in another transaction). */
  maxRecipients?: number;
  /**
   * Connections at once in this process, default 50; more get 421. Bounds
   * memory: each may hold up to maxMessageBytes while its message arrives.
   */
  maxConnections?: number;
  /** How long to wait for Redis (the message's XADD, the rate counter) before answering 4xx. Default 15 s. */
  queueTimeoutMs?: number;
  /** How long close() lets messages in flight finish. Default 5 s. */
  closeGraceMs?: number;
  /** Name in the greeting; default the host name. */
  serverName?: string;
  /** PEM key and certificate: offers STARTTLS when given, none otherwise. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

type SmtpError = Error & { responseCode: number };
const smtpError = (code: number, message: string): SmtpError => Object.assign(new Error(message), { responseCode: code });

const asciiDomain = (d: string) => domainToASCII(d.trim().replace(/\.$/, '')).toLowerCase();

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function startBounceListener(opts: BounceListenerOptions): Promise<BounceListener> {
  const { inbox, logger, rateLimiter } = opts;
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const queueTimeoutMs = opts.queueTimeoutMs ?? 15_000;
  const domain = asciiDomain(opts.domain);
  if (!domain) throw Object.assign(new Error(`bounce listener: "${opts.domain}" is not a domain`), { code: 'BOUNCE_DOMAIN_INVALID' });
  // Sessions whose message is being queued: close() lets them finish and hangs up on the rest.
  const inFlight = new Set<SMTPServerSession>();
  let closing = false;

  const server = new SMTPServer({
    secure: false,
    name: opts.serverName,
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    size: maxMessageBytes,
    rejectOversized: true,
    maxRecipients: opts.maxRecipients ?? 50,
    maxClients: opts.maxConnections ?? 50,
    socketTimeout: opts.socketTimeoutMs ?? 60_000,
    closeTimeout: opts.closeGraceMs ?? 5_000,
    // A DNS round trip per connection buys nothing here and is a lever for a flood.
    disableReverseLookup: true,
    logger: false,

    onConnect(session, callback) {
      if (closing) return callback(smtpError(421, '4.3.2 Service shutting down, try again later'));
      withTimeout(rateLimiter.allow(session.remoteAddress), queueTimeoutMs).then(
        (ok) => {
          if (ok) return callback();
          logger.warn({ remoteIp: session.remoteAddress }, 'bounce listener: connection rate limit reached');
          callback(smtpError(421, '4.7.0 Too many connections, try again later'));
        },
        (e: Error) => {
          // No counter means no inbox either (same Redis): the sender keeps the message.
          logger.warn({ err: e.message }, 'bounce listener: rate counter unavailable');
          callback(smtpError(421, '4.3.0 Temporary failure, try again later'));
        },
      );
    },

    onMailFrom(_address, _session, callback) {
      // Any sender, the null sender `<>` above all: that is what a bounce comes from.
      callback();
    },

    onRcptTo(address, _session, callback) {
      const at = address.address.lastIndexOf('@');
      const ok = at > 0 && asciiDomain(address.address.slice(at + 1)) === domain;
      callback(ok ? undefined : smtpError(550, '5.7.1 Relay access denied'));
    },

    onData(stream, session, callback) {
      // In flight from the first byte: close() lets a message that is arriving finish too.
      inFlight.add(session);
      let answered = false;
      const answer = (err: SmtpError | null, message?: string) => {
        if (answered) return;
        answered = true;
        inFlight.delete(session);
        callback(err, message);
        if (closing) hangUp(session);
      };
      const chunks: Buffer[] = [];
      let bytes = 0;
      let tooBig = false;
      stream.on('data', (chunk: Buffer) => {
        if (tooBig) return;
        bytes += chunk.length;
        if (bytes > maxMessageBytes) {
          // Read to the end (the client is still sending) but keep nothing.
          tooBig = true;
          chunks.length = 0;
        } else chunks.push(chunk);
      });
      stream.once('error', (e: Error) => answer(smtpError(451, `4.3.0 ${e.message}`)));
      stream.once('end', () => {
        if (tooBig || stream.sizeExceeded) {
          return answer(smtpError(552, `5.3.4 Message exceeds fixed maximum message size ${maxMessageBytes}`));
        }
        const entry = {
          raw: Buffer.concat(chunks, bytes),
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
          source: 'smtp' as const,
          receivedAt: new Date().toISOString(),
          remoteIp: session.remoteAddress,
        };
        withTimeout(inbox.add(entry), queueTimeoutMs).then(
          (entryId) => {
            logger.info({ entryId, bytes, remoteIp: session.remoteAddress }, 'bounce listener: message queued');
            answer(null, `2.0.0 Queued as ${entryId}`);
          },
          (e: Error) => {
            // The entry may still land if Redis was only slow: the consumer dedupes the sender's retry.
            const full = e instanceof InboxError && e.code === 'INBOX_FULL';
            logger.error({ err: e.message, remoteIp: session.remoteAddress }, 'bounce listener: could not queue a message, answered 4xx');
            answer(full ? smtpError(452, '4.3.1 Insufficient system storage, try again later') : smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  });

  const hangUp = (session: SMTPServerSession) => {
    // After the reply above is written: smtp-server sends it synchronously from the callback.
    setImmediate(() => {
      for (const conn of server.connections) {
        if (conn.session === session) {
          conn.send(421, '4.3.2 Service shutting down');
          conn.close();
        }
      }
    });
  };

  server.on('error', (e: Error) => logger.warn({ err: e.message }, 'bounce listener: connection error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  logger.info({ host: opts.host, port, domain }, 'bounce listener: accepting mail');

  return {
    port,
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((r) => server.close(() => r()));
      // Idle connections and half-finished transactions go now (the sender retries); queued ones answer first.
      for (const conn of server.connections) {
        if (!inFlight.has(conn.session)) {
          conn.send(421, '4.3.2 Service shutting down');
          conn.close();
        }
      }
      await stopped;
    },
  };
}
