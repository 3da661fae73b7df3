import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { createBrief, seedBrief } from '../dispatch/support.ts';

/**
 * `__proto__` and `constructor` keys on the editor routes and the link pages
 * (signup has its own cases in test/subscribers/badInput.test.ts): refused or
 * ignored, never a 500, and Object.prototype is never polluted.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const POISON = ['{"__proto__":{"polluted":1}', '{"constructor":{"prototype":{"polluted":1}}'];

describe('__proto__ and constructor keys', () => {
  it('in a brief, a dispatch body and a test-send body: 400, nothing polluted', async () => {
    const brief = await createBrief(h, { title: 'Proto target' });
    const seed = JSON.stringify(seedBrief()).slice(1);
    for (const open of POISON) {
      for (const [url, payload] of [
        ['/api/briefs', `${open},${seed}`],
        [`/api/briefs/${brief.id}/dispatches`, `${open}}`],
        [`/api/briefs/${brief.id}/test`, `${open},"to":["a@example.org"]}`],
      ] as const) {
        const res = await h.app.inject({ method: 'POST', url, headers: { ...h.auth, 'content-type': 'application/json' }, payload });
        expect(res.statusCode, `${url} ${open}`).toBe(400);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('in a preferences form and a one-click body: no 500, topics unchanged, nothing polluted', async () => {
    const r = await h.services.subscribers.importRow({ email: 'proto@example.org', name: '', topics: ['Russia'], status: 'active', event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' } });
    const token = h.services.linkTokens.sign(r.id);
    for (const payload of ['__proto__[topics]=Ukraine&topics=Russia', 'constructor[prototype][polluted]=1&topics=Russia', '__proto__=x&action=save&topics=Russia']) {
      const res = await h.app.inject({ method: 'POST', url: `/preferences/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });
      expect(res.statusCode, payload).toBeLessThan(500);
    }
    expect((await h.services.subscribers.get(r.id))?.topics).toEqual(['Russia']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
