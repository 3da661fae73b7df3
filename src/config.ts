import type { z } from 'zod';
import { envSchema } from './config/schema.ts';
import { createVerp } from './feedback/verp.ts';
import { imapTarget } from './feedback/inbound/imapUrl.ts';
import { parseSendGridPublicKey } from './feedback/webhooks/sendgrid.ts';
import { parsePostmarkAuth } from './feedback/webhooks/postmark.ts';
import { canonicalTimeZone, parseQuietHours } from './cadence/time.ts';

/**
 * The one place that reads the environment. Everything else receives the
 * frozen `Config` this returns, so a bad variable fails the process at start
 * with its name, never halfway through a send. The variables themselves, with
 * their documentation, are in src/config/schema.ts.
 */

const DEV_SECRET = 'dev-only-secret-change-me-0123456789abcdef';
const DEV_EDITOR_TOKEN = 'dev-editor-token';
/** Editor tokens are guessed online, throttled: 32 random characters put that out of reach for good. */
const MIN_PRODUCTION_TOKEN_LENGTH = 32;

export type Env = Record<string, string | undefined>;

const EDITOR_LABEL = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * `label=token` or a bare `token`. A base64 token's `=` padding is not a label:
 * the part after the first `=` must not start with another `=`, nor be empty.
 */
export function parseEditorToken(entry: string, position: number): { label: string; token: string } {
  const at = entry.indexOf('=');
  const label = at > 0 ? entry.slice(0, at) : '';
  const token = at > 0 ? entry.slice(at + 1) : '';
  if (EDITOR_LABEL.test(label) && token !== '' && !token.startsWith('=')) return { label, token };
  return { label: `editor ${position + 1}`, token: entry };
}

function build(raw: z.output<typeof envSchema>) {
  const production = raw.NODE_ENV === 'production';
  const editors = raw.EDITOR_TOKENS.length ? raw.EDITOR_TOKENS.map(parseEditorToken) : [{ label: 'dev editor', token: DEV_EDITOR_TOKEN }];
  // Unset, links follow the port it listens on: `PORT=3400 npm start` must not mail links to :3000.
  const publicUrl = (raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, '');
  return {
    env: raw.NODE_ENV,
    production,
    logLevel: raw.LOG_LEVEL,
    http: {
      port: raw.PORT,
      workerPort: raw.WORKER_PORT,
      host: raw.HOST,
      publicUrl,
      trustProxyHops: raw.TRUST_PROXY_HOPS,
      bodyLimit: raw.BODY_LIMIT_BYTES,
    },
    redis: { url: raw.REDIS_URL, clusterNodes: raw.REDIS_CLUSTER_NODES, prefix: raw.REDIS_PREFIX },
    mail: {
      smtpUrl: raw.SMTP_URL,
      poolSize: raw.SMTP_POOL_SIZE,
      timeouts: { connectionMs: raw.SMTP_CONNECTION_TIMEOUT_MS, greetingMs: raw.SMTP_GREETING_TIMEOUT_MS, socketMs: raw.SMTP_SOCKET_TIMEOUT_MS },
      outboxDir: raw.OUTBOX_DIR,
      from: raw.MAIL_FROM,
      confirmFrom: raw.CONFIRM_FROM,
      listId: raw.LIST_ID,
      /** "Fast Thinking" from `Fast Thinking <fast-thinking.example.org>`. */
      listName: (/^([^<]+)</.exec(raw.LIST_ID)?.[1] ?? raw.LIST_ID).trim(),
      postalAddress: raw.POSTAL_ADDRESS,
      dkim:
        raw.DKIM_DOMAIN && raw.DKIM_SELECTOR && raw.DKIM_PRIVATE_KEY
          ? { domainName: raw.DKIM_DOMAIN, keySelector: raw.DKIM_SELECTOR, privateKey: raw.DKIM_PRIVATE_KEY }
          : undefined,
    },
    secretKey: raw.SECRET_KEY ?? DEV_SECRET,
    editorTokens: editors.map((e) => e.token),
    /** Per token, in the same order: who a brief's history names (never the token itself). */
    editorLabels: editors.map((e) => e.label),
    metricsToken: raw.METRICS_TOKEN,
    topics: raw.TOPICS,
    consent: { text: raw.CONSENT_TEXT, version: raw.CONSENT_VERSION },
    signup: {
      limitPerIpPerHour: raw.SIGNUP_LIMIT_PER_IP,
      limitGlobalPerMinute: raw.SIGNUP_LIMIT_GLOBAL,
      confirmResendWindowSec: raw.CONFIRM_RESEND_WINDOW,
      confirmTokenTtlSec: raw.CONFIRM_TOKEN_TTL,
    },
    dispatch: {
      sendRate: raw.SEND_RATE,
      batchSize: raw.DISPATCH_BATCH_SIZE,
      deliverConcurrency: raw.DELIVER_CONCURRENCY,
      attempts: raw.DELIVER_ATTEMPTS,
      retryBaseMs: raw.RETRY_BASE_MS,
      /** How long the deliver queue holds off after a 421/454 "slow down". */
      throttleMs: raw.THROTTLE_MS,
      /** A batch throttled for longer than this starts using attempts, so no dispatch waits forever. */
      throttleMaxMs: raw.THROTTLE_MAX_MS,
      ledgerRetentionDays: raw.LEDGER_RETENTION_DAYS,
      /** The bounce-spike breaker: pause when more than this share of the last 200 outcomes bounced (or 50 in a row). */
      bouncePauseRate: raw.BOUNCE_PAUSE_RATE,
      /** BullMQ lock; a killed worker's job runs again after about this long (stalled check). */
      jobLockMs: raw.JOB_LOCK_MS,
    },
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
    cadence: {
      /** The zone of a reader who chose none (canonical IANA spelling). */
      defaultTimeZone: canonicalTimeZone(raw.DIGEST_TIME_ZONE) ?? 'UTC',
      /** Local hour of the daily digest. */
      digestHour: raw.DIGEST_HOUR,
      /** Instant alerts wait out these local hours (breaking ones do not); undefined: none. */
      quietHours: raw.QUIET_HOURS ? (parseQuietHours(raw.QUIET_HOURS) ?? undefined) : undefined,
    },
    feed: {
      urls: raw.FEED_URL,
      pollIntervalSec: raw.FEED_POLL_INTERVAL,
      /** false: new feed items become drafts for an editor; true: they are dispatched at once. */
      autoDispatch: raw.FEED_AUTO_DISPATCH,
      /** With autoDispatch, only briefs with one of these topics go out on their own (empty: all). */
      autoDispatchTopics: raw.FEED_AUTO_DISPATCH_TOPICS,
      /** Editors told by email about each brief the feed brings in. */
      notify: raw.FEED_NOTIFY,
      timeoutMs: raw.FEED_TIMEOUT_MS,
      maxBytes: raw.FEED_MAX_BYTES,
      maxNewItems: raw.FEED_MAX_NEW_ITEMS,
    },
    feedback: {
      /** BOUNCE_ADDRESS: VERP senders for bulk copies, the plain address for transactional mail; unset: no VERP. */
      bounceAddress: raw.BOUNCE_ADDRESS,
      /** The inbound bounce MX; off unless BOUNCE_SMTP_PORT and BOUNCE_ADDRESS are both set. */
      smtp: raw.BOUNCE_SMTP_PORT && raw.BOUNCE_ADDRESS ? { host: raw.BOUNCE_SMTP_HOST, port: raw.BOUNCE_SMTP_PORT } : undefined,
      imap: raw.BOUNCE_IMAP_URL ? { url: raw.BOUNCE_IMAP_URL, intervalSec: raw.BOUNCE_IMAP_INTERVAL } : undefined,
      softBounceLimit: raw.SOFT_BOUNCE_LIMIT,
      softBounceDays: raw.SOFT_BOUNCE_DAYS,
      complaintPauseRate: raw.COMPLAINT_PAUSE_RATE,
      complaintPauseMinSent: raw.COMPLAINT_PAUSE_MIN_SENT,
      /** Per relay: its settings, or undefined (its webhook answers 404). */
      webhooks: {
        ses: raw.SES_WEBHOOK_TOPIC_ARNS.length ? { topicArns: raw.SES_WEBHOOK_TOPIC_ARNS } : undefined,
        mailgun: raw.MAILGUN_WEBHOOK_SIGNING_KEY ? { signingKey: raw.MAILGUN_WEBHOOK_SIGNING_KEY } : undefined,
        sendgrid: raw.SENDGRID_WEBHOOK_PUBLIC_KEY ? { publicKey: raw.SENDGRID_WEBHOOK_PUBLIC_KEY } : undefined,
        postmark: raw.POSTMARK_WEBHOOK_AUTH ? { auth: raw.POSTMARK_WEBHOOK_AUTH } : undefined,
      },
    },
    /** Things worth a loud warning at start (dev defaults in use). */
    warnings: [
      ...(raw.SECRET_KEY ? [] : ['SECRET_KEY is unset: using the development key; links are forgeable']),
      ...(raw.EDITOR_TOKENS.length ? [] : [`EDITOR_TOKENS is unset: the development token "${DEV_EDITOR_TOKEN}" is accepted`]),
      ...(raw.SMTP_URL ? [] : [`SMTP_URL is unset: mail is written to ${raw.OUTBOX_DIR}/ as .eml files`]),
      ...(production && raw.METRICS_PUBLIC && !raw.METRICS_TOKEN ? ['METRICS_PUBLIC=true: /metrics is served without a token'] : []),
      ...(raw.BOUNCE_SMTP_PORT && !raw.BOUNCE_ADDRESS ? ['BOUNCE_SMTP_PORT is set without BOUNCE_ADDRESS: no bounce listener (it would not know its domain)'] : []),
    ],
  };
}

export type Config = ReturnType<typeof build>;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * The feedback settings the schema cannot check alone, read with the modules
 * that will use them, so a bad key fails the start and not the first bounce.
 * Messages name the variable, never its value (they end up in logs).
 */
function feedbackProblems(raw: z.output<typeof envSchema>): string[] {
  const problems: string[] = [];
  const check = (name: string, f: () => unknown) => {
    try {
      f();
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    }
  };
  if (raw.BOUNCE_ADDRESS) check('BOUNCE_ADDRESS', () => createVerp(raw.SECRET_KEY ?? DEV_SECRET, raw.BOUNCE_ADDRESS!).envelopeFor('d1', '1'));
  if (raw.BOUNCE_IMAP_URL) check('BOUNCE_IMAP_URL', () => imapTarget(raw.BOUNCE_IMAP_URL!, { allowInsecure: false }));
  if (raw.SENDGRID_WEBHOOK_PUBLIC_KEY) {
    check('SENDGRID_WEBHOOK_PUBLIC_KEY', () => {
      try {
        parseSendGridPublicKey(raw.SENDGRID_WEBHOOK_PUBLIC_KEY!);
      } catch {
        // Node's own message may quote part of the key.
        throw new Error('must be the ECDSA P-256 public key SendGrid shows (base64)');
      }
    });
  }
  if (raw.POSTMARK_WEBHOOK_AUTH) check('POSTMARK_WEBHOOK_AUTH', () => parsePostmarkAuth(raw.POSTMARK_WEBHOOK_AUTH!));
  if (raw.NODE_ENV === 'production' && raw.BOUNCE_SMTP_PORT && !raw.BOUNCE_ADDRESS) {
    problems.push('BOUNCE_SMTP_PORT: needs BOUNCE_ADDRESS when NODE_ENV=production (the listener takes mail for its domain only)');
  }
  return problems;
}

/** Parses an environment into a frozen config; throws ConfigError naming each bad variable. */
export function loadConfig(env: Env): Config {
  // A variable set to nothing (`PORT=` in an .env file, `PORT: ""` in compose) means its default, not 0 or "".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration\n  ${lines.join('\n  ')}`);
  }
  const raw = parsed.data;
  const feedback = feedbackProblems(raw);
  if (feedback.length) throw new ConfigError(`invalid configuration\n  ${feedback.join('\n  ')}`);
  if (raw.NODE_ENV === 'production') {
    const missing = (['SECRET_KEY', 'SMTP_URL', 'PUBLIC_URL', 'EDITOR_TOKENS'] as const).filter((k) => {
      const v = env[k];
      return !v || !v.trim();
    });
    const problems = missing.map((k) => `${k}: required when NODE_ENV=production`);
    // An open /metrics shows queue depths and send rates to anyone: public only by saying so.
    if (!raw.METRICS_TOKEN && !raw.METRICS_PUBLIC) {
      problems.push('METRICS_TOKEN: required when NODE_ENV=production (or set METRICS_PUBLIC=true to serve /metrics without one)');
    }
    // Which token, never its value or length: the message ends up in logs.
    const short = raw.EDITOR_TOKENS.flatMap((t, i) => (parseEditorToken(t, i).token.length < MIN_PRODUCTION_TOKEN_LENGTH ? [i + 1] : []));
    if (short.length) {
      problems.push(
        `EDITOR_TOKENS: each token must be at least ${MIN_PRODUCTION_TOKEN_LENGTH} characters when NODE_ENV=production ` +
          `(too short: token ${short.join(', ')} of ${raw.EDITOR_TOKENS.length})`,
      );
    }
    if (problems.length) throw new ConfigError(`invalid configuration\n  ${problems.join('\n  ')}`);
    if (!raw.PUBLIC_URL?.startsWith('https://')) {
      throw new ConfigError('invalid configuration\n  PUBLIC_URL: must be https:// when NODE_ENV=production');
    }
  }
  return deepFreeze(build(raw));
}

/** The process's config, parsed once from the real environment. */
export function configFromProcess(): Config {
  return loadConfig(process.env);
}
