import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEARER_BUDGET } from '../../src/http/editorAuth.ts';
import { SIGN_IN_MAX_FAILURES } from '../../src/http/admin/signInThrottle.ts';
import { createHarness, EDITOR_TOKEN, type Harness } from '../support/harness.ts';
import { allRoutes, concrete, csrfFrom, signIn } from '../admin/support.ts';

/**
 * Issue 14, finding 6: the API's bearer tokens could be guessed at request
 * speed, and the sign-in lockout was a read-then-count that 400 parallel tries
 * slipped past (45 evaluated against a limit of 10). Each wrong token is now
 * one atomic count per client (an IPv6 client by its /64) and the answer comes
 * from the count it returned: at most the limit of tries ever get a 401, the
 * rest a 429 with Retry-After, and a right token is refused too once the
 * budget is spent. Sign-in and the API have budgets of their own.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const BEARER_LIMIT = BEARER_BUDGET.maxFailures;
const FORM = 'application/x-www-form-urlencoded';

/** One login form's anchor cookie and CSRF token, reusable for many posts from one client. */
async function loginForm(ip: string) {
  const form = await h.app.inject({ url: '/admin/login', remoteAddress: ip });
  const setCookie = [form.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('bw_login='))!;
  return { cookie: setCookie.split(';')[0]!, csrf: csrfFrom(form.body)! };
}

const postLogin = (ip: string, form: { cookie: string; csrf: string }, token: string) =>
  h.app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    headers: { 'content-type': FORM, cookie: form.cookie },
    payload: new URLSearchParams({ _csrf: form.csrf, token, next: '/admin' }).toString(),
  });

const api = (ip: string, token: string | undefined, url = '/api/status') =>
  h.app.inject({ url, remoteAddress: ip, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

const count = (statuses: number[]) => statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {});

describe('sign-in', () => {
  it('400 wrong tokens at once from one client: exactly 10 are evaluated (401), the other 390 get 429 with Retry-After', async () => {
    const ip = '198.51.100.60';
    const form = await loginForm(ip);
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => postLogin(ip, form, `parallel-guess-${i}-0123456789`)));
    expect(count(answers.map((r) => r.statusCode))).toEqual({ 401: SIGN_IN_MAX_FAILURES, 429: 400 - SIGN_IN_MAX_FAILURES });
    for (const r of answers.filter((a) => a.statusCode === 429)) {
      expect(r.body).toContain('SIGN_IN_THROTTLED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(800);
    }
    // Right token or not: a 303 among the 429s would tell a guesser which try was right.
    const right = await postLogin(ip, form, EDITOR_TOKEN);
    expect(right.statusCode).toBe(429);
    expect(right.headers['set-cookie'] ?? '').not.toContain('bw_admin=');
    expect((await signIn(h, EDITOR_TOKEN, '198.51.100.61')).cookie).not.toBe('');
  });

  it('a client rotating through its IPv6 /64 is locked out as one; the next /64 is not', async () => {
    for (let i = 1; i <= SIGN_IN_MAX_FAILURES; i++) {
      const ip = `2001:db8:5:6::${i.toString(16)}`;
      expect((await postLogin(ip, await loginForm(ip), `rotating-guess-${i}-0123456789`)).statusCode, ip).toBe(401);
    }
    const locked = await signIn(h, EDITOR_TOKEN, '2001:db8:5:6:ffff:ffff:ffff:ffff');
    expect(locked.res.statusCode).toBe(429);
    expect(locked.cookie).toBe('');
    expect((await signIn(h, EDITOR_TOKEN, '2001:db8:5:7::1')).cookie).not.toBe('');
  });
});

describe('bearer tokens on the API', () => {
  it(`400 wrong tokens at once from one client: exactly ${BEARER_LIMIT} get 401, the rest 429 AUTH_THROTTLED with Retry-After`, async () => {
    const ip = '198.51.100.70';
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => api(ip, `parallel-bearer-${i}-0123456789`)));
    expect(count(answers.map((r) => r.statusCode))).toEqual({ 401: BEARER_LIMIT, 429: 400 - BEARER_LIMIT });
    for (const r of answers.filter((a) => a.statusCode === 429)) {
      expect(r.json().error.code).toBe('AUTH_THROTTLED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(800);
    }
    expect((await api(ip, EDITOR_TOKEN)).statusCode).toBe(429);
    expect((await api('198.51.100.71', EDITOR_TOKEN)).statusCode).toBe(200);
  });

  it('a client rotating through its IPv6 /64 shares one budget; the next /64 is not affected', async () => {
    for (let i = 1; i <= BEARER_LIMIT; i++) expect((await api(`2001:db8:8:9::${i.toString(16)}`, `rotating-${i}-0123456789`)).statusCode).toBe(401);
    const locked = await api('2001:db8:8:9:abcd::1', EDITOR_TOKEN);
    expect(locked.statusCode).toBe(429);
    expect((await api('2001:db8:8:a::1', EDITOR_TOKEN)).statusCode).toBe(200);
  });

  it('right tokens never spend the budget: 300 at once beside 49 wrong ones all pass, and the budget is still 1 short', async () => {
    const ip = '198.51.100.80';
    const right = Array.from({ length: 300 }, () => api(ip, EDITOR_TOKEN));
    const wrong = Array.from({ length: BEARER_LIMIT - 1 }, (_, i) => api(ip, `beside-${i}-0123456789`));
    const [r, w] = await Promise.all([Promise.all(right), Promise.all(wrong)]);
    expect(count(r.map((x) => x.statusCode))).toEqual({ 200: 300 });
    expect(count(w.map((x) => x.statusCode))).toEqual({ 401: BEARER_LIMIT - 1 });
    expect((await api(ip, 'the-last-allowed-guess-0123456789')).statusCode).toBe(401);
    expect((await api(ip, 'one-too-many-0123456789')).statusCode).toBe(429);
  });

  it('a request with no bearer token is no guess: 100 of them spend nothing', async () => {
    const ip = '198.51.100.90';
    const answers = await Promise.all(Array.from({ length: 100 }, () => api(ip, undefined)));
    expect(count(answers.map((r) => r.statusCode))).toEqual({ 401: 100 });
    expect((await api(ip, EDITOR_TOKEN)).statusCode).toBe(200);
  });

  it('once the budget is spent, every /api route refuses that client, right token or not', async () => {
    const ip = '198.51.100.100';
    for (let i = 0; i < BEARER_LIMIT; i++) expect((await api(ip, `spend-${i}-0123456789`)).statusCode).toBe(401);
    const routes = allRoutes(h).filter(([, p]) => p.startsWith('/api/'));
    expect(routes.length).toBeGreaterThan(15);
    for (const [method, path] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? {} : { headers: { 'content-type': 'application/json' }, payload: '{}' };
      const res = await h.app.inject({
        method: method as 'GET',
        url: concrete(path),
        remoteAddress: ip,
        ...body,
        headers: { ...(body.headers ?? {}), authorization: `Bearer ${EDITOR_TOKEN}` },
      });
      expect({ method, path, status: res.statusCode }).toEqual({ method, path, status: 429 });
    }
  });

  it("/readyz counts wrong tokens too, and past the budget an editor's token gets only the anonymous answer", async () => {
    const ip = '198.51.100.110';
    expect((await api(ip, EDITOR_TOKEN, '/readyz')).json().checks).toBeDefined();
    for (let i = 0; i < BEARER_LIMIT; i++) expect((await api(ip, `readyz-${i}-0123456789`, '/readyz')).json()).toEqual({ status: 'ready' });
    expect((await api(ip, EDITOR_TOKEN, '/readyz')).json()).toEqual({ status: 'ready' });
    expect((await api(ip, EDITOR_TOKEN)).statusCode).toBe(429);
  });
});

describe('two budgets', () => {
  it('a spent API budget leaves sign-in open, and a spent sign-in budget leaves the API open', async () => {
    const a = '198.51.100.120';
    for (let i = 0; i <= BEARER_LIMIT; i++) await api(a, `api-spend-${i}-0123456789`);
    expect((await api(a, EDITOR_TOKEN)).statusCode).toBe(429);
    expect((await signIn(h, EDITOR_TOKEN, a)).cookie).not.toBe('');

    const b = '198.51.100.121';
    const form = await loginForm(b);
    for (let i = 0; i <= SIGN_IN_MAX_FAILURES; i++) await postLogin(b, form, `form-spend-${i}-0123456789`);
    expect((await postLogin(b, form, EDITOR_TOKEN)).statusCode).toBe(429);
    expect((await api(b, EDITOR_TOKEN)).statusCode).toBe(200);
  });
});
