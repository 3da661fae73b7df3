import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { EDITOR_TOKEN, testEnv } from '../support/harness.ts';

/**
 * With Redis unreachable the API answers at once with a 503 and Retry-After:
 * no hang (the API connection has no offline queue) and no 500.
 */

/** A port nothing listens on: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let services: ApiServices;
let app: FastifyInstance;
let outbox: string;
beforeAll(async () => {
  outbox = await mkdtemp(join(tmpdir(), 'bw-redis-down-'));
  const port = await closedPort();
  const env = testEnv('{bwt-down}', '', { REDIS_URL: `redis://127.0.0.1:${port}`, SMTP_URL: '', OUTBOX_DIR: outbox });
  services = createApiServices(loadConfig(env), createLogger('silent'));
  app = await buildApp(services);
});
afterAll(async () => {
  await app?.close();
  await services?.close();
  await rm(outbox, { recursive: true, force: true });
});

describe('Redis unreachable', () => {
  it('a JSON signup gets 503 STORE_UNAVAILABLE with Retry-After', async () => {
    const res = await app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'down@example.org' } });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE' } });
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/);
  });

  it('a form signup gets a 503 page', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=down%40example.org&website=',
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('the links in emails answer 503 too, and bad input is still a 400', async () => {
    const token = services.linkTokens.sign('1');
    for (const url of [`/preferences/${token}`, `/unsubscribe/${token}`, `/confirm/${'A'.repeat(43)}`]) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
    }
    const bad = await app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'not an address' } });
    expect(bad.statusCode).toBe(400);
  });

  it('readiness says Redis is down; liveness is still fine', async () => {
    const ready = await app.inject({ method: 'GET', url: '/readyz', headers: { authorization: `Bearer ${EDITOR_TOKEN}` } });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'unavailable', checks: { redis: { ok: false } } });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
