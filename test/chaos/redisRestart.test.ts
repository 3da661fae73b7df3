import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { EDITOR_TOKEN, testEnv, until } from '../support/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/redisServers.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { seedBrief } from '../dispatch/support.ts';

/**
 * A private redis-server (AOF, appendfsync everysec) is stopped mid-dispatch
 * and started again. While it is down the API answers 503 at once; the worker
 * process rides out the outage and the dispatch completes with nobody missing.
 */

const N = 1_000;
let redis: PrivateRedis;
let smtp: TestSmtpServer;
let services: ApiServices;
let app: FastifyInstance;
let env: Record<string, string>;
const procs: BriefwireProcess[] = [];
const auth = { authorization: `Bearer ${EDITOR_TOKEN}` };

beforeAll(async () => {
  redis = await startPrivateRedis();
  smtp = await startSmtpServer({ skipParse: true });
  env = testEnv(`{bwt-${randomBytes(4).toString('hex')}}`, smtp.url, {
    REDIS_URL: redis.url,
    DISPATCH_BATCH_SIZE: '50',
    SEND_RATE: '200',
    JOB_LOCK_MS: '2000',
  });
  services = createApiServices(loadConfig(env), createLogger('silent'));
  await until(async () => services.redis.status, (s) => s === 'ready', 10_000, 'redis');
  app = await buildApp(services);
});
afterAll(async () => {
  await stopAll(procs);
  await app?.close();
  await services?.close();
  await smtp?.close();
  await redis?.close();
});

const status = async (id: string) => (await app.inject({ method: 'GET', url: `/api/dispatches/${id}`, headers: auth })).json() as Record<string, any>;

describe('Redis restarted in the middle of a dispatch', () => {
  it('the API answers 503 while Redis is down; the dispatch completes afterwards with nobody missing', async () => {
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
    for (let start = 0; start < N; start += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          services.subscribers.importRow({ email: `user${start + k}@restart.example.org`, name: '', topics: [], status: 'active', event: ev }),
        ),
      );
    }
    procs.push(spawnBriefwire('worker', { ...env, LOG_LEVEL: 'warn' }));
    const brief = await app.inject({ method: 'POST', url: '/api/briefs', headers: auth, payload: { ...seedBrief(), title: 'Through a Redis restart' } });
    expect(brief.statusCode).toBe(201);
    const id = (await app.inject({ method: 'POST', url: `/api/briefs/${brief.json().id}/dispatches`, headers: auth, payload: {} })).json().id as string;
    await until(() => status(id), (d) => d.sent >= 150, 60_000, 'sending under way');

    await redis.stop('SIGTERM');
    // Down: every kind of request answers 503 promptly, never hangs.
    const answers = [];
    for (const req of [
      { method: 'GET' as const, url: `/api/dispatches/${id}`, headers: auth },
      { method: 'POST' as const, url: '/subscribe', payload: { email: 'while-down@example.org' } },
      { method: 'GET' as const, url: '/readyz' },
    ]) {
      const res = await Promise.race([app.inject(req), new Promise<'hang'>((r) => setTimeout(() => r('hang'), 10_000))]);
      answers.push(res === 'hang' ? 'hang' : res.statusCode);
    }
    expect(answers).toEqual([503, 503, 503]);
    await new Promise((r) => setTimeout(r, 1_500));
    await redis.start();

    const done = await until(() => status(id).catch(() => ({}) as Record<string, any>), (d) => d.status === 'done', 90_000, 'dispatch done');
    expect(done).toMatchObject({ total: N, failed: 0, missing: 0 });
    expect(done.sent + done.uncertain).toBe(N);
    const got = new Set(smtp.received.flatMap((m) => m.to));
    for (let i = 0; i < N; i++) expect(got.has(`user${i}@restart.example.org`), `user${i}`).toBe(true);
    const dupes = smtp.received.length - got.size;
    console.log(`[chaos] redis restart (SIGTERM, AOF everysec) mid-dispatch of ${N}: sent ${done.sent}, uncertain ${done.uncertain}, missing ${done.missing}, duplicates ${dupes}`);
  }, 150_000);
});
