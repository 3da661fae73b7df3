import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHarness, type Harness } from '../support/harness.ts';
import { seedBrief } from '../dispatch/support.ts';
import { fuzzRuns, fuzzTimeout, MAX_CALL_MS } from './support.ts';

/**
 * POST /api/briefs with fuzzed JSON and Markdown. A valid brief is compiled
 * (MJML, tens of ms), so the generators lean hard towards invalid bodies: a
 * seed brief with one field replaced by junk, random front matter, random
 * JSON. Never a 5xx or a stack trace; every call bounded.
 */

// Lower default than signup/tokens: each run is slower (big bodies, YAML, some compiles). FUZZ_RUNS overrides.
const RUNS = fuzzRuns(1_000);
/** Valid briefs compile MJML; past this many, the generators' valid ones are made invalid. */
const MAX_VALID = 25;
let h: Harness;
let created = 0;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const seed = seedBrief();
const junk = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }),
  fc.object({ maxDepth: 2 }),
  fc.constantFrom('<script>alert(1)</script>', 'javascript:alert(1)', 'a\r\nBcc: x@example.org', '\u0000', '2024-02-30', 'x'.repeat(50_000)),
);
const field = fc.constantFrom(...Object.keys(seed), 'slug', '__proto__', 'constructor', 'sections.0.bullets', 'extra');
const jsonBody = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(field, junk).map(([k, v]) => {
    const b: Record<string, unknown> = structuredClone(seed);
    if (k === 'sections.0.bullets') (b.sections as { bullets: unknown }[])[0]!.bullets = v;
    else Object.defineProperty(b, k, { value: v, enumerable: true, configurable: true, writable: true });
    return JSON.stringify(b);
  }) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);
const frontMatter = fc.array(fc.tuple(fc.constantFrom('title', 'series', 'publishedAt', 'topics', 'url', 'image', 'slug', '__proto__', 'x'), fc.string({ maxLength: 60 })), { maxLength: 6 });
const markdownBody = fc.oneof(
  fc.tuple(frontMatter, fc.string({ maxLength: 400 })).map(([fm, body]) => `---\n${fm.map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}`),
  fc.string({ maxLength: 600 }),
  fc.constantFrom('---\ntitle: [unclosed\n---\n', '---\n&a [*a, *a, *a, *a]\n---\n', '---\n!!js/function "x"\n---\n', `---\ntitle: ok\n---\n${'## h\n- b\n'.repeat(2000)}`),
);

async function postBrief(type: string, payload: string) {
  const t0 = performance.now();
  const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': type }, payload });
  const ms = performance.now() - t0;
  expect([201, 400, 413, 415], res.body.slice(0, 300)).toContain(res.statusCode);
  expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(ms).toBeLessThan(res.statusCode === 201 ? MAX_CALL_MS * 5 : MAX_CALL_MS);
  if (res.statusCode === 201) created++;
  if (res.statusCode === 400) expect(res.json().error.code).toMatch(/^INVALID_/);
}

describe(`fuzzed briefs (${RUNS} runs each)`, () => {
  it('JSON: no 5xx, bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(jsonBody, async (payload) => {
        // Past the cap, a body that might be valid loses its title: it stays a fuzzed body, but no MJML compile.
        const p = created >= MAX_VALID && payload.includes('"title"') ? payload.replace('"title"', '"title_"') : payload;
        await postBrief('application/json', p);
      }),
      { numRuns: RUNS },
    );
  }, fuzzTimeout(RUNS, 20));

  it('Markdown: no 5xx, bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(markdownBody, async (payload) => {
        const p = created >= MAX_VALID ? payload.replace(/^title:/m, 'titel:') : payload;
        await postBrief('text/markdown', p);
      }),
      { numRuns: RUNS },
    );
  }, fuzzTimeout(RUNS, 20));
});
