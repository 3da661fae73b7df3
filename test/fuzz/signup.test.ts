import { createLogger } from '../../src/logger.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHarness, type Harness } from '../support/harness.ts';
import { normalizeAddress } from '../../src/subscribers/address.ts';
import { fuzzRuns, fuzzTimeout, MAX_CALL_MS } from './support.ts';

/**
 * The signup body, fuzzed as JSON and as a form: never a 5xx, never a stack
 * trace, every call bounded; an accepted address is stored exactly as
 * normalizeAddress spells it, and that spelling is the SMTP envelope recipient.
 */

const RUNS = fuzzRuns(10_000);
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { SIGNUP_LIMIT_PER_IP: '10000000', SIGNUP_LIMIT_GLOBAL: '10000000', CONFIRM_RESEND_WINDOW: '1' } });
  // Confirmations for fuzzed addresses are not the point: keep the mail worker from sending thousands.
  await h.workers!.close();
  h.workers = undefined;
});
afterAll(async () => h?.close());

/** Addresses: valid ones (with upper-case and IDN domains to normalize), near-misses and junk. */
const address = fc.oneof(
  fc.emailAddress(),
  fc.emailAddress().map((a) => a.replace(/@(.*)$/, (_, d: string) => `@${d.toUpperCase()}`)),
  fc.tuple(fc.constantFrom('ana', 'Bob.Smith', 'x+tag'), fc.constantFrom('münchen.de', 'bücher.example', 'xn--mnchen-3ya.de', 'EXAMPLE.org')).map(([l, d]) => `${l}@${d}`),
  fc.tuple(fc.emailAddress(), fc.constantFrom('\r\n', '\n', ' ', ',', '<', '>', '"', '\u0000', '\u2028', '@', '..')).map(([a, x]) => a.replace('@', `${x}@`)),
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);
const value = fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }), fc.object({ maxDepth: 2 }));
const topics = fc.oneof(fc.subarray(['Conflict', 'Russia', 'Ukraine', 'Nope', 'russia', '']), fc.string({ maxLength: 30 }), value);
const body = fc.record(
  { email: fc.oneof(address, address, value), name: fc.oneof(fc.string({ maxLength: 250 }), value), topics, extra: value, website: fc.constantFrom('', '', '', 'http://spam') },
  { requiredKeys: [] },
);

async function post(payload: string, type: string) {
  const t0 = performance.now();
  const res = await h.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': type }, payload });
  return { res, ms: performance.now() - t0 };
}

function expectSafe(res: { statusCode: number; body: string }, ms: number) {
  expect([202, 400, 413, 415], res.body.slice(0, 300)).toContain(res.statusCode);
  expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+|stack/i);
  expect(ms).toBeLessThan(MAX_CALL_MS);
}

async function expectNormalizedIfAccepted(input: Record<string, unknown>, status: number) {
  const n = normalizeAddress(input.email);
  if (status !== 202 || !n.ok || input.website) return;
  const stored = await h.services.subscribers.findByEmail(n.address);
  expect(stored?.email, String(input.email)).toBe(n.address);
}

describe(`fuzzed signup bodies (${RUNS} runs each)`, () => {
  it('JSON: no 5xx, bounded time, accepted addresses stored normalized', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        const { res, ms } = await post(JSON.stringify(input), 'application/json');
        expectSafe(res, ms);
        if (res.statusCode === 202) expect(res.json()).toEqual({ status: 'pending' });
        await expectNormalizedIfAccepted(input, res.statusCode);
      }),
      { numRuns: RUNS },
    );
  }, fuzzTimeout(RUNS, 10));

  it('form: no 5xx, bounded time, accepted addresses stored normalized', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.string({ maxLength: 60 }), async (input, junk) => {
        const fields = Object.entries(input).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, String(x)]) : [[k, typeof v === 'object' ? JSON.stringify(v) : String(v)]]));
        const form = `${new URLSearchParams(fields).toString()}&${junk}`;
        const { res, ms } = await post(form, 'application/x-www-form-urlencoded');
        expectSafe(res, ms);
      }),
      { numRuns: RUNS },
    );
  }, fuzzTimeout(RUNS, 10));
});

describe('accepted addresses are exactly the SMTP envelope recipient', () => {
  it('a sample of generated addresses: the confirmation goes to the normalized spelling', async () => {
    const { startWorkers } = await import('../../workers/index.ts');
    const sample = [
      ...fc.sample(fc.emailAddress(), { numRuns: 25, seed: 42 }),
      'Mixed.Case+Tag@EXAMPLE.Org',
      'leser@MÜNCHEN.de',
      'reader@bücher.example',
    ].filter((a) => normalizeAddress(a).ok && a.length < 200);
    h.workers = await startWorkers(h.config, createLogger('silent'), { metrics: h.services.metrics });
    const expected = new Map<string, string>();
    for (const email of sample) {
      const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: `  ${email} ` } });
      expect(res.statusCode, email).toBe(202);
      expected.set(email, (normalizeAddress(email) as { address: string }).address);
    }
    const wanted = new Set(expected.values());
    await h.smtp.waitFor(() => [...wanted].every((a) => h.smtp.received.some((m) => m.to.includes(a))), 60_000);
    for (const [input, normalized] of expected) {
      const mails = h.smtp.received.filter((m) => m.to.includes(normalized));
      expect(mails.length, input).toBeGreaterThanOrEqual(1);
      expect(mails[0]!.to, input).toEqual([normalized]);
      expect((await h.services.subscribers.findByEmail(normalized))?.email).toBe(normalized);
    }
    expect(expected.get('Mixed.Case+Tag@EXAMPLE.Org')).toBe('Mixed.Case+Tag@example.org');
    expect(expected.get('leser@MÜNCHEN.de')).toBe('leser@xn--mnchen-3ya.de');
  }, 90_000);
});
