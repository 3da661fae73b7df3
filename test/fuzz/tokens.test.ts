import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHarness, type Harness } from '../support/harness.ts';
import { fuzzRuns, fuzzTimeout, MAX_CALL_MS } from './support.ts';

/**
 * Tokens in the confirm, unsubscribe and preferences paths: random strings,
 * valid tokens with one character changed, cut short or padded. Never a 5xx,
 * never accepted, never a state change; every call bounded.
 */

const RUNS = fuzzRuns(10_000);
let h: Harness;
let valid: string;
let subscriberId: string;
beforeAll(async () => {
  h = await createHarness();
  const r = await h.services.subscribers.importRow({ email: 'fuzz-token@example.org', name: '', topics: [], status: 'active', event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' } });
  subscriberId = r.id;
  valid = h.services.linkTokens.sign(r.id);
});
afterAll(async () => h?.close());

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
const tampered = fc.tuple(fc.nat(), fc.constantFrom(...alphabet)).map(([i, c]) => {
  const at = i % valid.length;
  return valid[at] === c ? `${valid.slice(0, at)}${c === 'A' ? 'B' : 'A'}${valid.slice(at + 1)}` : `${valid.slice(0, at)}${c}${valid.slice(at + 1)}`;
});
const token = fc.oneof(
  tampered,
  fc.nat().map((n) => valid.slice(0, n % valid.length)),
  fc.string({ maxLength: 30 }).map((s) => `${valid}${s}`),
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 80 }),
  fc.string({ minLength: 1, maxLength: 300 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }),
  fc.integer({ min: 1, max: 10_000 }).map((n) => 'A'.repeat(n)),
);
const route = fc.constantFrom(
  ['GET', '/confirm/'],
  ['GET', '/unsubscribe/'],
  ['POST', '/unsubscribe/'],
  ['GET', '/preferences/'],
  ['POST', '/preferences/'],
) as fc.Arbitrary<['GET' | 'POST', string]>;

describe(`fuzzed tokens (${RUNS} runs)`, () => {
  it('no 5xx, no acceptance, no state change, bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(route, token, async ([method, path], t) => {
        fc.pre(t !== valid);
        const t0 = performance.now();
        const res = await h.app.inject({
          method,
          url: `${path}${encodeURIComponent(t)}`,
          ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click&action=unsubscribe' } : {}),
        });
        const ms = performance.now() - t0;
        // 400 for a bad token; 404 when the token is so long or odd the router finds no route.
        expect([400, 404, 414], `${method} ${path}${t.slice(0, 80)}`).toContain(res.statusCode);
        expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
        expect(ms).toBeLessThan(MAX_CALL_MS);
      }),
      { numRuns: RUNS },
    );
    expect((await h.services.subscribers.get(subscriberId))?.status).toBe('active');
  }, fuzzTimeout(RUNS, 10));
});
