import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Hostile and malformed signups. Each gets a clear 4xx that names the field at
 * fault (never a 500 or a stack trace), and leaves no subscriber, no consent
 * record and no queued email behind.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '100000', SIGNUP_LIMIT_GLOBAL: '100000' } });
});
afterAll(async () => h?.close());

const json = (payload: unknown) =>
  h.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
const form = (payload: string) =>
  h.app.inject({ method: 'POST', url: '/subscribe', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload });

/** Every key that says a subscriber or a confirmation exists, and the mail queue's size. */
async function footprint() {
  const subscriberKeys = await h.services.redis.keys(`${h.prefix}:sub*`);
  return { subscriberKeys: subscriberKeys.sort(), count: await h.services.subscribers.count(), queued: await h.services.mailLane.backlog() };
}

/** Sends a request, asserts the rejection and that nothing was stored or queued. */
async function rejected(send: () => Promise<LightMyRequestResponse>, status: number, field?: string | RegExp) {
  const before = await footprint();
  const res = await send();
  expect(res.statusCode, res.body).toBe(status);
  expect(res.body).not.toMatch(/at .*\.ts:\d+|stack/i);
  if (field !== undefined) {
    if (String(res.headers['content-type'] ?? '').includes('application/json')) {
      const fields = (res.json() as { error: { fields?: { field: string }[] } }).error.fields ?? [];
      const names = fields.map((f) => f.field);
      expect(names.some((n) => (typeof field === 'string' ? n === field : field.test(n))), `fields ${JSON.stringify(names)} should name ${field}`).toBe(true);
    } else {
      expect(res.body).toMatch(typeof field === 'string' ? new RegExp(`name="${field}"|${field}`) : field);
    }
  }
  expect(await footprint()).toEqual(before);
  return res;
}

describe('addresses that are not one bare address', () => {
  const cases: [string, string][] = [
    ['CR/LF', 'victim@example.org\r\nBcc: everyone@example.org'],
    ['a trailing CRLF', 'victim@example.org\r\n'],
    ['a leading LF', '\nvictim@example.org'],
    ['NUL', 'victim@example.org\u0000'],
    ['a quoted local part with a space', '"x@evil x"@example.com'],
    ['a comment', 'a@b.com(c)d.com'],
    ['a display name', 'Name <a@b.com>'],
    ['a list', 'a@b.com, c@d.com'],
    ['two @', 'a@b@example.com'],
    ['no domain', 'someone@'],
    ['no dot in the domain', 'someone@localhost'],
    ['an empty string', ''],
    ['only spaces', '   '],
  ];
  for (const [what, email] of cases) {
    it(`rejects ${what} (JSON and form)`, async () => {
      await rejected(() => json({ email }), 400, 'email');
      await rejected(() => form(`email=${encodeURIComponent(email)}`), 400, 'email');
    });
  }

  it('takes a 64-character local part and a 254-character address; refuses 65 and 255', async () => {
    const domain189 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(57)}.com`;
    const local64 = 'l'.repeat(64);
    expect(`${local64}@${domain189}`).toHaveLength(254);
    const ok254 = await json({ email: `${local64}@${domain189}` });
    expect(ok254.statusCode).toBe(202);
    expect(await h.services.subscribers.findByEmail(`${local64}@${domain189}`)).not.toBeNull();
    const ok64 = await json({ email: `${'m'.repeat(64)}@example.org` });
    expect(ok64.statusCode).toBe(202);

    const domain190 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(58)}.com`;
    expect(`${local64}@${domain190}`).toHaveLength(255);
    const res = await rejected(() => json({ email: `${'n'.repeat(64)}@${domain190}` }), 400, 'email');
    expect(JSON.stringify(res.json())).toContain('254');
    await rejected(() => json({ email: `${'o'.repeat(65)}@example.org` }), 400, 'email');
  });

  it('answers a 50,000-character address or name with a 400 from the length check, not a pattern', async () => {
    // The length check runs before any regular expression, so no input size can make a pattern backtrack.
    const long = `${'a'.repeat(50_000)}@example.org`;
    const res = await rejected(() => json({ email: long }), 400, 'email');
    expect(JSON.stringify(res.json())).toMatch(/too long|at most/i);
    await rejected(() => json({ email: `${'a.'.repeat(25_000)}!@example.org` }), 400, 'email');
    await rejected(() => json({ email: 'ok@example.org', name: 'x'.repeat(50_000) }), 400, 'name');
    await rejected(() => form(`email=${'a'.repeat(50_000)}%40example.org`), 400, 'email');
  });
});

describe('other fields', () => {
  it('rejects CR/LF and NUL in the name', async () => {
    for (const name of ['Eve\r\nBcc: x@example.org', 'Eve\u0000', 'Eve\n']) {
      await rejected(() => json({ email: 'name-ctl@example.org', name }), 400, 'name');
      await rejected(() => form(`email=name-ctl%40example.org&name=${encodeURIComponent(name)}`), 400, 'name');
    }
  });

  it('rejects unknown topics and topics with CR/LF or NUL', async () => {
    for (const topic of ['Cooking', 'Ukraine\r\n', 'Ukraine\u0000', 'ukraine']) {
      await rejected(() => json({ email: 'topic@example.org', topics: [topic] }), 400, /^topics/);
      await rejected(() => form(`email=topic%40example.org&topics=${encodeURIComponent(topic)}`), 400, /topics/);
    }
  });

  it('rejects wrong types, each naming its field', async () => {
    await rejected(() => json({ email: 42 }), 400, 'email');
    await rejected(() => json({ email: ['a@example.org'] }), 400, 'email');
    await rejected(() => json({ email: { a: 1 } }), 400, 'email');
    await rejected(() => json({ email: null }), 400, 'email');
    await rejected(() => json({}), 400, 'email');
    await rejected(() => json({ email: 'types@example.org', topics: 7 }), 400, /^topics/);
    await rejected(() => json({ email: 'types@example.org', topics: [1, 2] }), 400, /^topics/);
    await rejected(() => json({ email: 'types@example.org', topics: { 0: 'Ukraine' } }), 400, /^topics/);
    await rejected(() => json({ email: 'types@example.org', name: 5 }), 400, 'name');
    await rejected(() => json({ email: 'types@example.org', name: ['x'] }), 400, 'name');
    await rejected(() => json([{ email: 'types@example.org' }]), 400, 'body');
    await rejected(() => json('"types@example.org"'), 400, 'body');
    await rejected(() => json('null'), 400, 'email');
    await rejected(() => json('{"email": "types@example.org",'), 400, 'body');
  });

  it('rejects __proto__ and constructor keys, in JSON and in a form', async () => {
    await rejected(() => json('{"email":"proto@example.org","__proto__":{"isAdmin":true}}'), 400, /__proto__|body/);
    await rejected(() => json('{"email":"proto@example.org","constructor":{"prototype":{"isAdmin":true}}}'), 400, /constructor|body/);
    await rejected(() => json('{"email":"proto@example.org","constructor":"x"}'), 400, 'constructor');
    await rejected(() => form('email=proto%40example.org&__proto__=x'), 400, '__proto__');
    await rejected(() => form('email=proto%40example.org&constructor=x'), 400, 'constructor');
    await rejected(() => form('email=proto%40example.org&__proto__%5BisAdmin%5D=1'), 400, /__proto__/);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('bodies', () => {
  it('answers 413 to a body over 1 MB, JSON or form', async () => {
    const big = 'x'.repeat(1_100_000);
    const res = await rejected(() => json({ email: 'big@example.org', name: big }), 413);
    expect(res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    await rejected(() => form(`email=big%40example.org&name=${big}`), 413);
  });

  it('answers 415 to a content type it does not take', async () => {
    for (const type of ['application/xml', 'image/png', 'application/x-something']) {
      const opts: InjectOptions = { method: 'POST', url: '/subscribe', headers: { 'content-type': type }, payload: '<email>ct@example.org</email>' };
      const res = await rejected(() => h.app.inject(opts), 415);
      expect(res.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
  });

  it('an HTML form with errors gets the form back with the error next to the field, escaped', async () => {
    const res = await rejected(() => form(`email=${encodeURIComponent('<script>alert(1)</script>')}`), 400, 'email');
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('class="error"');
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(res.body).toContain('&lt;script&gt;');
  });
});
