import { z } from 'zod';
import { bool, envDocs, int, list, optionalString } from './fields.ts';
import { feedbackEnv } from './feedbackSchema.ts';
import { isTimeZone, parseQuietHours } from '../cadence/time.ts';

/**
 * Every environment variable briefwire reads: its parsing and, right beside it,
 * its documentation. README.md's configuration table is generated from this
 * file (`npm run docs:config`) and a test fails while the two differ, so a new
 * variable is one edit here: add it to `envSchema` with `.register(envDocs, …)`,
 * run the script, and list it in .env.example. (The parsers and the registry are
 * in ./fields.ts; the feedback variables in ./feedbackSchema.ts.)
 * Only src/config.ts parses the environment with this schema.
 */

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').register(envDocs, {
    description:
      '`development`, `production` or `test`. Production requires `SECRET_KEY`, `SMTP_URL`, an https `PUBLIC_URL`, ' +
      '`EDITOR_TOKENS` (each at least 32 characters) and `METRICS_TOKEN` (or `METRICS_PUBLIC=true`).',
  }),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').register(envDocs, {
    description: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (pino, JSON lines on stdout).',
  }),
  PORT: int(3000, 0, 65535).register(envDocs, { description: 'HTTP port (0–65535).' }),
  HOST: z.string().default('127.0.0.1').register(envDocs, { description: 'Interface to listen on; `0.0.0.0` in a container.' }),
  WORKER_PORT: int(9464, 0, 65535).register(envDocs, {
    description: 'Port of a worker process\'s own `/metrics` and `/healthz` (`npm run worker`; 0 turns it off). `npm start` serves one `/metrics` on `PORT` instead.',
  }),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .register(envDocs, {
      description:
        'Base URL of links in emails (confirm, unsubscribe, preferences, web version). http or https; https in production. ' +
        'A trailing `/` is dropped. Unset (development): `http://localhost:` and the port it listens on.',
      shownDefault: '`http://localhost:$PORT`',
    }),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379')
    .register(envDocs, { description: '`redis://` or `rediss://` URL of the one store.' }),
  REDIS_CLUSTER_NODES: list('').register(envDocs, {
    description: 'Comma-separated `host:port` seed nodes; when set, briefwire connects to a Redis Cluster instead of `REDIS_URL`.',
  }),
  REDIS_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_-]+\}[A-Za-z0-9_:-]*$/, 'must start with a hash tag such as {bw}')
    .default('{bw}')
    .register(envDocs, {
      description: 'Prefix of every key, queues included. Must start with a hash tag such as `{bw}` so all keys share one Cluster slot.',
    }),

  SMTP_URL: optionalString()
    .pipe(z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional())
    .register(envDocs, {
      description:
        '`smtp://` (STARTTLS whenever offered) or `smtps://` (TLS from the start) URL of the relay, with credentials; ' +
        "sent by Nodemailer's `SMTPConnection`, pooled. Credentials are only ever sent over TLS: a relay that offers no " +
        'STARTTLS while credentials are set gets no message (the dispatch pauses with `SMTP_REFUSED`). Query options: ' +
        '`requireTLS=true` (never send in the clear, even without credentials), `allowInsecureAuth=true` (allow AUTH ' +
        'without TLS: a trusted relay on loopback only), `ignoreTLS=true`, `rejectUnauthorized=false` (self-signed ' +
        'relay), `name=` (EHLO name; default the host name). Unset: mail goes to `OUTBOX_DIR` as `.eml` files. ' +
        'Required in production.',
    }),
  SMTP_POOL_SIZE: int(5, 1, 100).register(envDocs, { description: 'SMTP connections per worker process (1–100).' }),
  // Nodemailer's three timeouts. The socket one also bounds the wait for the reply to the final
  // dot, which RFC 5321 (4.5.3.2.6) lets take 10 minutes; a shutdown cuts it (the send is then uncertain).
  SMTP_CONNECTION_TIMEOUT_MS: int(30_000, 100, 600_000).register(envDocs, {
    description: "Nodemailer's `connectionTimeout`: how long opening a connection may take (100–600000 ms).",
  }),
  SMTP_GREETING_TIMEOUT_MS: int(30_000, 100, 600_000).register(envDocs, {
    description: "Nodemailer's `greetingTimeout`: how long the relay may take to greet (100–600000 ms).",
  }),
  SMTP_SOCKET_TIMEOUT_MS: int(600_000, 100, 3_600_000).register(envDocs, {
    description:
      "Nodemailer's `socketTimeout`: silence allowed mid-conversation, including the wait for the reply to the final " +
      'dot, which RFC 5321 §4.5.3.2 lets take 10 minutes (100–3600000 ms). Not shortened by `SHUTDOWN_GRACE_MS`: a ' +
      'shutdown cuts only the sends still waiting when its grace period ends, and those are `uncertain`.',
  }),
  OUTBOX_DIR: z.string().default('outbox').register(envDocs, {
    description: 'The dev outbox: folder for `.eml` files when `SMTP_URL` is unset.',
  }),
  MAIL_FROM: z.string().default('Fast Thinking <alerts@briefwire.localhost>').register(envDocs, {
    description: 'From of bulk brief emails and test copies.',
  }),
  CONFIRM_FROM: z.string().default('Fast Thinking signup <confirm@briefwire.localhost>').register(envDocs, {
    description: 'From of confirmation emails (transactional lane).',
  }),
  LIST_ID: z.string().default('Fast Thinking <fast-thinking.briefwire.localhost>').register(envDocs, {
    description: '`List-Id` header; its display part ("Fast Thinking") is the list name shown on pages and in emails.',
  }),
  POSTAL_ADDRESS: z.string().default('briefwire, 1 Example Street, Washington, DC 20005, USA').register(envDocs, {
    description: "Sender's postal address in every email footer.",
  }),
  DKIM_DOMAIN: optionalString().register(envDocs, {
    description: 'DKIM signing domain. DKIM is on only when all three DKIM variables are set.',
  }),
  DKIM_SELECTOR: optionalString().register(envDocs, { description: 'DKIM selector.' }),
  DKIM_PRIVATE_KEY: optionalString().register(envDocs, { description: 'DKIM private key (PEM).' }),

  SECRET_KEY: optionalString()
    .pipe(z.string().min(32, 'must be at least 32 characters').optional())
    .register(envDocs, {
      shownDefault: '*(development key, with a warning)*',
      description:
        'HMAC key for unsubscribe/preference links, at least 32 characters. Required in production; changing it ' +
        'invalidates every link already sent.',
    }),
  EDITOR_TOKENS: list('').register(envDocs, {
    shownDefault: '*(empty: `dev-editor-token` accepted, with a warning)*',
    description:
      'Comma-separated bearer tokens for the editor API and `/admin`. Required in production, each at least 32 ' +
      'characters. An `/admin` session lasts only while the token that opened it is listed: remove a token (and ' +
      'restart) to end its sessions too. Each may be written `label=token` (label: 1–64 letters, digits, `.`, `_`, ' +
      '`@`, `-`): a brief\'s history names the editor by that label (`editor 1`, `editor 2`… by position when ' +
      'unlabelled), never by the token.',
  }),
  METRICS_TOKEN: optionalString().register(envDocs, {
    description:
      'When set, `GET /metrics` needs `Authorization: Bearer <token>` (compared in constant time; wrong tokens count ' +
      "against the client's bearer-token budget). Required in production unless `METRICS_PUBLIC=true`.",
  }),
  METRICS_PUBLIC: bool(false).register(envDocs, {
    description:
      '`true`: production may serve `GET /metrics` without a token (say, when only a private network reaches the ' +
      'port). Outside production an unset `METRICS_TOKEN` already means public; a set one is always required.',
  }),
  // Topics are stored "|"-joined (src/subscribers/model.ts), so a name may not contain one.
  TOPICS: list('Conflict,Defense Technologies,Russia,Ukraine,United States and Canada')
    .refine((topics) => topics.every((t) => !t.includes('|')), 'topic names must not contain "|"')
    .register(envDocs, {
      description: 'Comma-separated topic names offered on the signup and preference pages; a name may not contain `|`.',
    }),
  CONSENT_TEXT: z
    .string()
    .default('I agree to receive Fast Thinking email alerts. I can unsubscribe at any time with one click.')
    .register(envDocs, { description: 'Consent wording shown on the signup form.' }),
  CONSENT_VERSION: z.string().default('2026-11-v1').register(envDocs, {
    description: "Version of that wording, stored in each signup's consent record. Change it when the wording changes.",
  }),

  SIGNUP_LIMIT_PER_IP: int(20, 1).register(envDocs, {
    description: 'Signups per client per hour (at least 1): per IPv4 address, and per /64 for IPv6.',
  }),
  SIGNUP_LIMIT_GLOBAL: int(600, 1).register(envDocs, { description: 'Signups per minute across all clients (at least 1).' }),
  CONFIRM_RESEND_WINDOW: int(600, 1).register(envDocs, {
    description: 'Seconds: at most one confirmation email per address in this window.',
  }),
  CONFIRM_TOKEN_TTL: int(7 * 24 * 3600, 60).register(envDocs, {
    description: 'Seconds a confirmation link works (7 days; at least 60).',
  }),
  TRUST_PROXY_HOPS: int(0, 0, 10).register(envDocs, {
    description:
      'Reverse proxies in front of the API (0–10). 0: `X-Forwarded-For` is ignored; n: the client is the address the ' +
      'n-th proxy appended. Set it to exactly the number of your proxies, or a client can spoof its IP.',
  }),
  BODY_LIMIT_BYTES: int(1_048_576, 1024).register(envDocs, {
    description: 'Largest request body (1 MB; at least 1024); larger gets 413.',
  }),

  SEND_RATE: int(0, 0).register(envDocs, { description: 'Bulk messages per second across all workers; 0 = no cap.' }),
  DISPATCH_BATCH_SIZE: int(500, 1, 10_000).register(envDocs, { description: 'Recipients per deliver job (1–10000).' }),
  DELIVER_CONCURRENCY: int(2, 1, 64).register(envDocs, { description: 'Deliver jobs a worker process runs at once (1–64).' }),
  DELIVER_ATTEMPTS: int(8, 1, 50).register(envDocs, {
    description: 'Attempts per deliver job before its unsent recipients count as failed (1–50).',
  }),
  RETRY_BASE_MS: int(5_000, 10).register(envDocs, {
    description: 'Base of the exponential backoff between deliver attempts (at least 10 ms).',
  }),
  THROTTLE_MS: int(5_000, 10).register(envDocs, {
    description:
      'How long the deliver queue holds off after the relay says "slow down" (421/454; at least 10 ms). ' +
      'Throttling uses no attempt…',
  }),
  THROTTLE_MAX_MS: int(30 * 60_000, 10).register(envDocs, {
    description:
      '…until a batch has been throttled this long (30 minutes; at least 10 ms): from then on a "slow down" reply ' +
      'counts as a transient failure, which uses attempts, so no dispatch stays `sending` forever.',
  }),
  LEDGER_RETENTION_DAYS: int(90, 1, 3650).register(envDocs, {
    description:
      'Days a finished dispatch keeps its per-recipient detail (delivery ledger, prebuilt message, bounce sets; 1–3650); ' +
      'after that only its counters remain, and retry-failed or restore-bounced have nothing left to act on.',
  }),
  BOUNCE_PAUSE_RATE: z.coerce
    .number()
    .gt(0)
    .max(1)
    .default(0.1)
    .register(envDocs, {
      description:
        'The bounce-spike breaker: a dispatch pauses itself (`BOUNCE_SPIKE`) when more than this share of its last ' +
        '200 recipient outcomes are hard bounces, or after 50 in a row (a relay saying "user unknown" to everyone). ' +
        'Above 0, at most 1.',
    }),
  JOB_LOCK_MS: int(30_000, 500).register(envDocs, {
    description: "BullMQ job lock (at least 500 ms): a killed worker's job runs again after about this long.",
  }),
  SHUTDOWN_GRACE_MS: int(30_000, 1_000).register(envDocs, {
    description: 'How long a shutdown waits for in-flight work (at least 1000 ms).',
  }),

  DIGEST_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone name, such as UTC or Europe/Paris')
    .register(envDocs, {
      description:
        'The time zone of a reader who has not chosen one (IANA name, such as `Europe/Paris`); the signup page fills in the ' +
        "reader's own from their browser.",
    }),
  DIGEST_HOUR: int(7, 0, 23).register(envDocs, {
    description: "The local hour (0–23, in each reader's time zone) at which a daily reader's digest goes out.",
  }),
  QUIET_HOURS: optionalString()
    .refine((v) => v === undefined || parseQuietHours(v) !== null, 'must be two different hours 0–23, such as 22-7')
    .register(envDocs, {
      description:
        "Quiet hours in each reader's local time, such as `22-7` (from 22:00 to 07:00): an instant alert that falls in " +
        'them waits until they end; a `breaking` dispatch ignores them. Unset: none.',
    }),

  FEED_URL: list('')
    .refine(
      (urls) => urls.every((u) => /^https?:\/\/[^\s]+$/i.test(u) && URL.canParse(u)),
      'must be comma-separated http:// or https:// URLs',
    )
    .register(envDocs, {
      description: 'Comma-separated `http(s)://` feed URLs the feed watcher polls for new briefs; empty: no feed watcher.',
    }),
  FEED_POLL_INTERVAL: int(300, 10).register(envDocs, { description: 'Seconds between feed polls (at least 10).' }),
  FEED_AUTO_DISPATCH: bool(false).register(envDocs, {
    description:
      '`true`/`false` (also `1`/`0`, `yes`/`no`). false: new feed items become drafts for an editor; true: they are ' +
      'dispatched at once.',
  }),
  FEED_AUTO_DISPATCH_TOPICS: list('').register(envDocs, {
    description: 'With auto-dispatch, only briefs with one of these comma-separated topics go out on their own (empty: all).',
  }),
  FEED_NOTIFY: list('')
    .refine((a) => a.every((x) => /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(x)), 'must be comma-separated email addresses')
    .register(envDocs, { description: 'Comma-separated editor addresses told by email about each brief the feed brings in.' }),
  FEED_TIMEOUT_MS: int(10_000, 100, 300_000).register(envDocs, { description: 'Timeout of one feed fetch (100–300000 ms).' }),
  FEED_MAX_BYTES: int(5 * 1024 * 1024, 1024, 100 * 1024 * 1024).register(envDocs, {
    description: 'Largest feed document accepted (1 KB–100 MB).',
  }),
  FEED_MAX_NEW_ITEMS: int(5, 1, 100).register(envDocs, {
    description: 'At most this many new feed items become briefs per poll (1–100); the rest wait for the next polls, and the editors are told.',
  }),

  // Delivery feedback: bounces and complaints (src/feedback/), last in the README table.
  ...feedbackEnv,
});

export { envDocs, type EnvDoc } from './fields.ts';

export type EnvVariable = keyof typeof envSchema.shape;
