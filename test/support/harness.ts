import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { startWorkers, type RunningWorkers } from '../../workers/index.ts';
import { startSmtpServer, type SmtpBehaviour, type TestSmtpServer } from './smtpServer.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const EDITOR_TOKEN = 'test-editor-token-0123456789-abcdef';
export const TOPICS = ['Conflict', 'Defense Technologies', 'Russia', 'Ukraine', 'United States and Canada'];

export interface Harness {
  config: Config;
  services: ApiServices;
  app: FastifyInstance;
  smtp: TestSmtpServer;
  workers?: RunningWorkers;
  prefix: string;
  env: Record<string, string>;
  auth: { authorization: string };
  close(): Promise<void>;
}

/** The environment a test process of briefwire gets: its own key prefix, its own SMTP server. */
export function testEnv(prefix: string, smtpUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL,
    REDIS_PREFIX: prefix,
    SMTP_URL: smtpUrl,
    SMTP_CONNECTION_TIMEOUT_MS: '3000',
    SMTP_GREETING_TIMEOUT_MS: '3000',
    SMTP_SOCKET_TIMEOUT_MS: '3000',
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    EDITOR_TOKENS: EDITOR_TOKEN,
    PUBLIC_URL: 'https://news.example.org',
    TOPICS: TOPICS.join(','),
    RETRY_BASE_MS: '200',
    THROTTLE_MS: '300',
    SHUTDOWN_GRACE_MS: '5000',
    // Worker processes a test spawns would all take 9464; the worker metrics test picks its own.
    WORKER_PORT: '0',
    ...overrides,
  };
}

/**
 * Real Redis (under a prefix of its own), a real SMTP server, the real app
 * driven through inject(), and optionally the real workers in this process.
 */
/** Serves the harness's app on a free loopback port (for a browser or a CLI child), and says where. */
export async function listenOnLoopback(h: Pick<Harness, 'app'>): Promise<string> {
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
}

export async function createHarness(opts: { workers?: boolean; env?: Record<string, string>; smtp?: SmtpBehaviour } = {}): Promise<Harness> {
  const prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  const smtp = await startSmtpServer(opts.smtp);
  const env = testEnv(prefix, smtp.url, opts.env);
  const config = loadConfig(env);
  const logger = createLogger('silent');
  const services = createApiServices(config, logger);
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
    async close() {
      await workers?.close();
      await app.close();
      await services.close();
      await smtp.close();
      await deleteKeys(prefix);
    },
  };
}

/** Removes every key under a test prefix (queues included: they share it). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}

export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A confirmed subscriber, straight into the store (as an `?status=active` import would). */
export async function importActive(h: Harness, email: string, topics: string[] = []) {
  return h.services.subscribers.importRow({
    email,
    name: '',
    topics,
    status: 'active',
    event: { type: 'signup', at: new Date().toISOString(), ip: '127.0.0.1', userAgent: 'test', consentVersion: 'v1', source: 'import' },
  });
}
