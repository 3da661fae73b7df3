import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type SnsFetch } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { startWorkers } from '../../workers/index.ts';
import { deleteKeys, EDITOR_TOKEN, REDIS_URL, testEnv, until, type Harness } from '../support/harness.ts';
import { startSmtpServer, type SmtpBehaviour } from '../support/smtpServer.ts';

/**
 * The feedback tests' harness: the real app and (optionally) the real workers,
 * as test/support/harness.ts builds them, plus what feedback needs on top: a
 * free port for the bounce listener the workers start, and SNS fetches that
 * stay off the network.
 */

export const BOUNCE_ADDRESS = 'bounces@bounces.example.org';

export interface FeedbackHarness extends Harness {
  /** The bounce listener's port (BOUNCE_SMTP_PORT), when the workers run one. */
  bouncePort?: number;
  /** Every log line the app and the workers wrote (level debug), when asked for. */
  logs: string[];
  /** Resolves once the bounce inbox holds nothing unhandled (the consumer deletes what it handled). */
  inboxDrained(): Promise<void>;
}

import { freePort } from '../support/redisServers.ts';
export { freePort };

export async function createFeedbackHarness(
  opts: { workers?: boolean; env?: Record<string, string>; smtp?: SmtpBehaviour; snsFetch?: SnsFetch; listener?: boolean; captureLogs?: boolean } = {},
): Promise<FeedbackHarness> {
  const prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  const smtp = await startSmtpServer(opts.smtp);
  const listener: Record<string, string> = opts.listener ? { BOUNCE_SMTP_PORT: String(await freePort()), BOUNCE_ADDRESS } : {};
  const env = testEnv(prefix, smtp.url, { ...listener, ...opts.env });
  const config = loadConfig(env);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = opts.captureLogs ? createLogger('debug', sink) : createLogger('silent');
  const services = createApiServices(config, logger, opts.snsFetch ? { snsFetch: opts.snsFetch } : {});
  await services.redis.ping().catch(async () => new Promise((r) => services.redis.once('ready', r)));
  const app = await buildApp(services);
  const workers = opts.workers ? await startWorkers(config, logger, { metrics: services.metrics }) : undefined;
  return {
    config,
    services,
    app,
    smtp,
    workers,
    prefix,
    env,
    auth: { authorization: `Bearer ${EDITOR_TOKEN}` },
    ...(workers?.bounceSmtpPort ? { bouncePort: workers.bounceSmtpPort } : {}),
    logs,
    async inboxDrained() {
      await until(() => services.redis.xlen(services.keys.feedbackInbox), (n) => n === 0, 20_000, 'the bounce inbox drained');
    },
    async close() {
      await workers?.close();
      await app.close();
      await services.close();
      await smtp.close();
      await deleteKeys(prefix);
    },
  };
}

export const feedbackFixture = (name: string) => readFileSync(new URL(`../fixtures/feedback/${name}`, import.meta.url), 'utf8');

/** Sendmail's DSN for a 5.1.1 "user unknown" (sisimai), about `address` instead of the corpus's own. */
export const userUnknownDsn = (address: string, extra = '') =>
  Buffer.from(feedbackFixture('sendmail-user-unknown.eml').replaceAll('userunknown@bouncehammer.jp', address) + extra);

/** Postfix's DSN for a full mailbox (deliveryboy), about `address`: a soft bounce. */
export const mailboxFullDsn = (address: string, extra = '') =>
  Buffer.from(feedbackFixture('postfix-mailbox-full.eml').replaceAll('fullinbox@testreceiver.com', address) + extra);

/**
 * The Terra abuse report (sisimai arf-03) about one of our messages: the
 * enclosed original becomes `original` (as the reader's mailbox kept it, with
 * the Return-Path its MTA added), the way a feedback loop returns it.
 */
export function arfComplaint(original: string, returnPath: string): Buffer {
  const fixture = feedbackFixture('briefwire-arf-abuse.eml');
  const at = fixture.indexOf('Return-Path: <fake.sender@example.net>');
  return Buffer.from(`${fixture.slice(0, at)}Return-Path: <${returnPath}>\n${original.replace(/\r\n/g, '\n')}\n`);
}

/** Every key under `prefix` whose name or value (any type) contains `needle`, case-insensitively. */
export async function keysMentioning(prefix: string, needle: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL);
  const found: string[] = [];
  const lower = needle.toLowerCase();
  const has = (v: unknown) => JSON.stringify(v).toLowerCase().includes(lower);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === 'string' ? await redis.get(key)
          : type === 'hash' ? await redis.hgetall(key)
          : type === 'list' ? await redis.lrange(key, 0, -1)
          : type === 'set' ? await redis.smembers(key)
          : type === 'zset' ? await redis.zrange(key, '0', '-1')
          : type === 'stream' ? (await redis.xrangeBuffer(key, '-', '+')).map(([, f]) => f.map((b) => b.toString('latin1')))
          : null;
        if (has(key) || has(value)) found.push(`${type} ${key}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return found;
}

/** A metric's value from a /metrics exposition, 0 when absent. */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
