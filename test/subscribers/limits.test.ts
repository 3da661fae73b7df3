import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { createApiServices } from '../../src/http/services.ts';
import { createLogger } from '../../src/logger.ts';
import { buildApp } from '../../src/app.ts';
import { waitForRedis } from '../../src/redis/connection.ts';

/**
 * Signup rate limits: per IP (honouring exactly TRUST_PROXY_HOPS proxies) and
 * global, both kept in Redis. A refused signup stores nothing and queues nothing.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const signup = (harness: Harness, email: string, opts: { ip?: string; xff?: string } = {}) =>
  harness.app.inject({
    method: 'POST',
    url: '/subscribe',
    remoteAddress: opts.ip ?? '198.51.100.7',
    headers: opts.xff ? { 'x-forwarded-for': opts.xff } : {},
    payload: { email },
  });

async function expectNothingStored(harness: Harness, email: string, queuedBefore: number) {
  expect(await harness.services.subscribers.findByEmail(email)).toBeNull();
  expect(await harness.services.mailLane.backlog()).toBe(queuedBefore);
}

describe('per-IP signup limit', () => {
  it('answers 429 with Retry-After once the hourly limit is used up, and stores nothing', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '3', SIGNUP_LIMIT_GLOBAL: '1000' } });
    for (let i = 0; i < 3; i++) expect((await signup(h, `ip${i}@example.org`)).statusCode).toBe(202);
    const queued = await h.services.mailLane.backlog();
    expect(queued).toBe(3);

    const res = await signup(h, 'ip-over@example.org');
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    await expectNothingStored(h, 'ip-over@example.org', queued);

    // Another address from another IP is unaffected.
    expect((await signup(h, 'other-ip@example.org', { ip: '198.51.100.8' })).statusCode).toBe(202);
  });

  it('the form gets a 429 too, not a 202', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '1' } });
    const form = (email: string) =>
      h!.app.inject({
        method: 'POST',
        url: '/subscribe',
        remoteAddress: '198.51.100.20',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `email=${encodeURIComponent(email)}&website=`,
      });
    expect((await form('form1@example.org')).statusCode).toBe(202);
    const res = await form('form2@example.org');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.headers['content-type']).toContain('text/html');
    expect(await h.services.subscribers.findByEmail('form2@example.org')).toBeNull();
  });

  it('with TRUST_PROXY_HOPS=0 a spoofed X-Forwarded-For does not reset the limit', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '2', TRUST_PROXY_HOPS: '0' } });
    expect((await signup(h, 'a0@example.org', { xff: '203.0.113.1' })).statusCode).toBe(202);
    expect((await signup(h, 'a1@example.org', { xff: '203.0.113.2' })).statusCode).toBe(202);
    const queued = await h.services.mailLane.backlog();
    // The socket address is the same each time; the header is ignored entirely.
    for (const xff of ['203.0.113.3', '203.0.113.4, 198.51.100.7', 'unknown']) {
      const res = await signup(h, 'spoof@example.org', { xff });
      expect(res.statusCode, xff).toBe(429);
      expect(res.headers['retry-after']).toBeDefined();
    }
    await expectNothingStored(h, 'spoof@example.org', queued);
  });

  it('with TRUST_PROXY_HOPS=1 only the hop our proxy appended counts', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '2', TRUST_PROXY_HOPS: '1' } });
    const proxy = '10.0.0.2';
    // The client is 192.0.2.50 (the proxy appended it last); what the client wrote before it is spoofable.
    expect((await signup(h, 'b0@example.org', { ip: proxy, xff: '1.1.1.1, 192.0.2.50' })).statusCode).toBe(202);
    expect((await signup(h, 'b1@example.org', { ip: proxy, xff: '2.2.2.2, 192.0.2.50' })).statusCode).toBe(202);
    const queued = await h.services.mailLane.backlog();
    const res = await signup(h, 'spoof1@example.org', { ip: proxy, xff: '3.3.3.3, 192.0.2.50' });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
    await expectNothingStored(h, 'spoof1@example.org', queued);

    // A different real client behind the same proxy has its own budget.
    expect((await signup(h, 'b2@example.org', { ip: proxy, xff: '192.0.2.51' })).statusCode).toBe(202);
    // The consent record holds the client address, not the proxy's.
    const sub = await h.services.subscribers.findByEmail('b2@example.org');
    const log = await h.services.subscribers.consentLog(sub!.id);
    expect(log[0]).toMatchObject({ type: 'signup', ip: '192.0.2.51' });
  });
});

describe('global signup limit', () => {
  it('caps signups per minute across all IPs with 429 and Retry-After, storing nothing', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '100', SIGNUP_LIMIT_GLOBAL: '3' } });
    for (let i = 0; i < 3; i++) expect((await signup(h, `g${i}@example.org`, { ip: `198.51.100.${30 + i}` })).statusCode).toBe(202);
    const queued = await h.services.mailLane.backlog();
    const res = await signup(h, 'g-over@example.org', { ip: '198.51.100.99' });
    expect(res.statusCode).toBe(429);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectNothingStored(h, 'g-over@example.org', queued);
  });

  it('holds across two processes sharing one Redis (separate connections, same prefix)', async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '2' } });
    const otherServices = createApiServices(h.config, createLogger('silent'));
    await waitForRedis(otherServices.redis);
    const otherApp = await buildApp(otherServices);
    try {
      expect((await signup(h, 'c0@example.org')).statusCode).toBe(202);
      const other = { ...h, app: otherApp, services: otherServices };
      expect((await signup(other, 'c1@example.org')).statusCode).toBe(202);
      expect((await signup(other, 'c2@example.org')).statusCode).toBe(429);
      expect((await signup(h, 'c3@example.org')).statusCode).toBe(429);
    } finally {
      await otherApp.close();
      await otherServices.close();
    }
  });
});
