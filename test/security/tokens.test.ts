import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Link tokens are exact: a spelling that decodes to the same MAC (the spare
 * bits of the last base64url character) is still a tampered token. Found by
 * the token fuzzer (test/fuzz/tokens.test.ts); pinned here deterministically.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('link token spellings', () => {
  it('every non-canonical spelling of a valid token is refused on all link routes', async () => {
    const r = await h.services.subscribers.importRow({ email: 'spelling@example.org', name: '', topics: [], status: 'active', event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' } });
    const token = h.services.linkTokens.sign(r.id);
    const last = B64.indexOf(token.at(-1)!);
    // The last character carries 2 bits of MAC: the 15 others sharing them decode to the same bytes.
    const twins = [...B64].filter((c, i) => i >> 4 === last >> 4 && i !== last).map((c) => `${token.slice(0, -1)}${c}`);
    expect(twins).toHaveLength(15);
    for (const t of twins) {
      expect(h.services.linkTokens.verify(t), t).toBeNull();
      for (const [method, path] of [['GET', 'unsubscribe'], ['POST', 'unsubscribe'], ['GET', 'preferences'], ['POST', 'preferences']] as const) {
        const res = await h.app.inject({ method, url: `/${path}/${t}`, ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click&action=unsubscribe' } : {}) });
        expect(res.statusCode, `${method} /${path}/${t}`).toBe(400);
      }
    }
    expect(h.services.linkTokens.verify(token)).toBe(r.id);
    expect((await h.services.subscribers.get(r.id))?.status).toBe('active');
  });

  it('a 10 KB token on a POST route is a 4xx, never a 5xx, and changes nothing', async () => {
    for (const path of ['unsubscribe', 'preferences']) {
      const res = await h.app.inject({ method: 'POST', url: `/${path}/${'A'.repeat(10_240)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
      expect(res.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, path).toBeLessThan(500);
    }
  });
});
