import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKey } from '../../src/http/clientKey.ts';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Issue 14, finding 3: one client rotating through the addresses of its IPv6
 * /64 escaped the per-IP signup limit. Every per-client limit now counts under
 * clientKey(): IPv4 as is, IPv4-mapped IPv6 as that IPv4, other IPv6 by /64.
 */

describe('clientKey', () => {
  it('keeps IPv4, folds IPv4-mapped IPv6 into it, and keys other IPv6 by its /64 whatever the spelling', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(clientKey('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
    const one = clientKey('2001:db8:a:b::1');
    expect(one).toBe('2001:db8:a:b::/64');
    for (const same of ['2001:db8:a:b:ffff:ffff:ffff:ffff', '2001:0DB8:000A:000B:0:0:0:2', '2001:db8:a:b:1:2:3:4', '2001:db8:a:b::9%eth0']) {
      expect(clientKey(same), same).toBe(one);
    }
    expect(clientKey('2001:db8:a:c::1')).not.toBe(one);
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });
});

describe('the signup limit per client, through the app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '3' } });
  });
  afterAll(async () => h?.close());

  let n = 0;
  const signup = (remoteAddress: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'POST', url: '/subscribe', remoteAddress, headers, payload: { email: `rotate-${n++}@example.org` } });

  it('a client rotating through its /64 is one client: the fourth signup gets 429 with Retry-After; another /64 is not affected', async () => {
    const statuses = [];
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:dead:beef:0:3', '2001:db8:1:2:ffff::4']) statuses.push((await signup(ip)).statusCode);
    expect(statuses).toEqual([202, 202, 202, 429]);
    const limited = await signup('2001:db8:1:2::5');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3000);
    expect((await signup('2001:db8:1:3::1')).statusCode).toBe(202);
  });

  it('an IPv4 client and its IPv4-mapped IPv6 spelling share one limit', async () => {
    expect((await signup('198.51.100.20')).statusCode).toBe(202);
    expect((await signup('::ffff:198.51.100.20')).statusCode).toBe(202);
    expect((await signup('198.51.100.20')).statusCode).toBe(202);
    expect((await signup('::ffff:c633:6414')).statusCode).toBe(429);
    expect((await signup('198.51.100.21')).statusCode).toBe(202);
  });

  it('the consent record keeps the exact address, not the /64', async () => {
    const email = `exact-${n++}@example.org`;
    expect((await h.app.inject({ method: 'POST', url: '/subscribe', remoteAddress: '2001:db8:9:9::42', payload: { email } })).statusCode).toBe(202);
    const subscriber = await h.services.subscribers.findByEmail(email);
    const consent = await h.services.subscribers.consentLog(subscriber!.id);
    expect(consent.map((e) => ('ip' in e ? e.ip : undefined))).toEqual(['2001:db8:9:9::42']);
  });
});

describe('behind a trusted proxy', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '2', TRUST_PROXY_HOPS: '1' } });
  });
  afterAll(async () => h?.close());

  it('the client is the forwarded address, keyed by its /64; the proxy itself is not the client', async () => {
    const post = (xff: string, i: number) =>
      h.app.inject({ method: 'POST', url: '/subscribe', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': xff }, payload: { email: `proxied-${i}@example.org` } });
    expect((await post('2001:db8:77:1::1', 1)).statusCode).toBe(202);
    expect((await post('2001:db8:77:1::2', 2)).statusCode).toBe(202);
    expect((await post('2001:db8:77:1::3', 3)).statusCode).toBe(429);
    expect((await post('2001:db8:77:2::1', 4)).statusCode).toBe(202);
  });
});
