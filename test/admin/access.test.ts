import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createHarness, EDITOR_TOKEN, type Harness } from '../support/harness.ts';
import { allRoutes, concrete, signIn } from './support.ts';

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

describe('without a session or token', () => {
  it('every /api route answers 401 and every /admin route (queues included) redirects to sign-in', async () => {
    const routes = allRoutes(h);
    const admin = routes.filter(([, p]) => p.startsWith('/admin') && p !== '/admin/login');
    const api = routes.filter(([, p]) => p.startsWith('/api'));
    // The tree really was read: the UI, Bull Board and the OpenAPI routes are all in it.
    expect(admin.map(([, p]) => p)).toEqual(expect.arrayContaining(['/admin', '/admin/briefs/:id/dispatch', '/admin/queues', '/admin/queues/api/queues']));
    expect(api.map(([, p]) => p)).toEqual(expect.arrayContaining(['/api/briefs', '/api/openapi.json', '/api/docs', '/api/docs/json', '/api/docs/*', '/api/audience']));
    expect(admin.map(([, p]) => p)).toEqual(expect.arrayContaining(['/admin/api-docs', '/admin/api-docs/json', '/admin/api-docs/*']));
    expect(admin.length).toBeGreaterThan(40);
    for (const [method, path] of api) {
      const body = method === 'POST' ? { headers: { 'content-type': 'application/json' }, payload: '{}' } : {};
      const res = await h.app.inject({ method: method as 'GET', url: concrete(path), ...body });
      expect({ method, path, status: res.statusCode }).toEqual({ method, path, status: 401 });
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
    for (const [method, path] of admin) {
      const res = await h.app.inject({ method: method as 'GET', url: concrete(path), headers: { cookie: 'bw_admin=forged-or-expired-session-id-000000000000000' } });
      expect({ method, path, status: res.statusCode }).toEqual({ method, path, status: 303 });
      expect(res.headers.location).toMatch(/^\/admin\/login/);
    }
  });

  it('a wrong token does not sign in', async () => {
    const { res, cookie } = await signIn(h, 'not-the-token');
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('not an editor token');
    expect(cookie).toBe('');
  });

  it('ten wrong tokens lock that address out of sign-in for the window, right token or not; other addresses are unaffected', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn(h, `guess-${i}-0123456789`, '203.0.113.9')).res.statusCode).toBe(401);
    const locked = await signIn(h, undefined, '203.0.113.9');
    expect(locked.res.statusCode).toBe(429);
    expect(Number(locked.res.headers['retry-after'])).toBeGreaterThan(800);
    expect(locked.res.body).toContain('SIGN_IN_THROTTLED');
    expect(locked.cookie).toBe('');
    expect((await signIn(h, undefined, '203.0.113.10')).cookie).not.toBe('');
  });

  it('the login form itself needs its CSRF token', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/admin/login', headers: { 'content-type': FORM }, payload: form({ token: EDITOR_TOKEN }) });
    expect(res.statusCode).toBe(403);
    expect(res.headers['set-cookie'] ?? '').not.toContain('bw_admin=');
  });
});

describe('with a session', () => {
  it('the cookie is HttpOnly, SameSite=Strict, Secure (https PUBLIC_URL), Path=/admin; the session lives hashed in Redis with a TTL', async () => {
    const { res, setCookie, cookie } = await signIn(h);
    expect(res.statusCode).toBe(303);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Secure/);
    expect(setCookie).toMatch(/; Path=\/admin(;|$)/);
    const id = cookie.slice('bw_admin='.length);
    const key = `${h.prefix}:admin-session:${createHash('sha256').update(id).digest('hex')}`;
    const ttl = await h.services.redis.ttl(key);
    expect(ttl).toBeGreaterThan(11 * 3600);
    expect(ttl).toBeLessThanOrEqual(12 * 3600);
    expect(await h.services.redis.keys(`${h.prefix}:admin-session:${id}`)).toEqual([]);
  });

  it('a form post without the CSRF token, or with another session\'s, is refused with 403 and changes nothing', async () => {
    const a = await signIn(h);
    const b = await signIn(h);
    const before = (await h.services.briefs.list({ limit: 100 })).length;
    const missing = await h.app.inject({ method: 'POST', url: '/admin/briefs', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ markdown: seed }) });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('CSRF_INVALID');
    const foreign = await h.app.inject({ method: 'POST', url: '/admin/briefs', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ markdown: seed, _csrf: b.csrf }) });
    expect(foreign.statusCode).toBe(403);
    const logout = await h.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie: a.cookie, 'content-type': FORM }, payload: '' });
    expect(logout.statusCode).toBe(403);
    expect((await h.services.briefs.list({ limit: 100 })).length).toBe(before);

    const ok = await h.app.inject({ method: 'POST', url: '/admin/briefs', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ markdown: seed, _csrf: a.csrf }) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toMatch(/^\/admin\/briefs\/b\d+$/);
    expect((await h.services.briefs.list({ limit: 100 })).length).toBe(before + 1);
  });

  it('a Markdown brief with errors comes back with the errors beside the field and the text kept', async () => {
    const a = await signIn(h);
    const bad = seed.replace('publishedAt: 2024-05-30', 'publishedAt: 2024-02-31').replace('  - Conflict\n', '  - Atlantis\n');
    const res = await h.app.inject({ method: 'POST', url: '/admin/briefs', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ markdown: bad, _csrf: a.csrf }) });
    expect(res.statusCode).toBe(400);
    const errors = /<div id="markdown-errors">([\s\S]*?)<\/div>/.exec(res.body)?.[1] ?? '';
    expect(errors).toContain('publishedAt: must be a real date');
    expect(errors).toContain('topics.0');
    expect(res.body).toContain('2024-02-31');
  });

  it('sign-out ends the session: the old cookie redirects to sign-in again', async () => {
    const a = await signIn(h);
    expect((await h.app.inject({ url: '/admin/subscribers', headers: { cookie: a.cookie } })).statusCode).toBe(200);
    const out = await h.app.inject({ method: 'POST', url: '/admin/logout', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ _csrf: a.csrf }) });
    expect(out.statusCode).toBe(303);
    const after = await h.app.inject({ url: '/admin/subscribers', headers: { cookie: a.cookie } });
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe('/admin/login?next=%2Fadmin%2Fsubscribers');
  });

  it('the subscribers page imports CSV (consent column kept), filters by status and address, and exports', async () => {
    const a = await signIn(h);
    const csv = 'email,name,topics,consent\nadmin-csv@example.org,Ann,Ukraine,met at conference 2024-05-01\nbroken,,,\n';
    const res = await h.app.inject({ method: 'POST', url: '/admin/subscribers/import', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ csv, active: '1', _csrf: a.csrf }) });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Imported 1, updated 0, skipped 0, 1 row(s) refused');
    expect(res.body).toContain('line 3:');
    const list = await h.app.inject({ url: '/admin/subscribers?status=active&q=admin-csv', headers: { cookie: a.cookie } });
    expect(/<table id="subscribers">[\s\S]*admin-csv@example\.org[\s\S]*active/.test(list.body)).toBe(true);
    const none = await h.app.inject({ url: '/admin/subscribers?status=pending&q=admin-csv', headers: { cookie: a.cookie } });
    expect(none.body).not.toContain('admin-csv@example.org');
    const out = await h.app.inject({ url: '/admin/subscribers.csv?status=active', headers: { cookie: a.cookie } });
    expect(out.headers['content-type']).toContain('text/csv');
    expect(out.body).toMatch(/admin-csv@example\.org,Ann,Ukraine,.*met at conference 2024-05-01.*,active/);
  });

  it('the queue dashboard and the API docs open for a signed-in editor', async () => {
    const a = await signIn(h);
    const board = await h.app.inject({ url: '/admin/queues', headers: { cookie: a.cookie } });
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('__UI_CONFIG__');
    const queues = await h.app.inject({ url: '/admin/queues/api/queues', headers: { cookie: a.cookie } });
    expect(queues.statusCode).toBe(200);
    expect(queues.json().queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(h.services.queues.all().map((q) => q.name)));
    // Swagger UI, behind the session; its document lists the operations (test/http/docsPage.test.ts renders them in Chromium).
    const docs = await h.app.inject({ url: '/admin/api-docs', headers: { cookie: a.cookie } });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui-bundle.js');
    const doc = await h.app.inject({ url: '/admin/api-docs/json', headers: { cookie: a.cookie } });
    expect(Object.keys(doc.json().paths['/api/briefs/{id}/dispatches'])).toEqual(['post']);
    expect((await h.app.inject({ url: '/admin/api-docs/json' })).statusCode).toBe(303);
  });
});

describe('OpenAPI', () => {
  it('documents every editor route from its own schemas, with named components', async () => {
    const res = await h.app.inject({ url: '/api/openapi.json', headers: h.auth });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: h.config.http.publicUrl }]);
    expect(doc.security).toEqual([{ editorToken: [] }]);
    expect(doc.components.securitySchemes.editorToken).toEqual({ type: 'http', scheme: 'bearer' });
    const ops = Object.entries(doc.paths as Record<string, Record<string, { summary?: string; responses: Record<string, unknown> }>>).flatMap(([p, m]) =>
      Object.entries(m).map(([x, op]) => ({ name: `${x.toUpperCase()} ${p}`, op })),
    );
    // Every /api route the app serves is documented (the document's own routes aside), each with a summary and its 401.
    const served = allRoutes(h)
      .filter(([, p]) => p.startsWith('/api/') && p !== '/api/openapi.json' && !p.startsWith('/api/docs'))
      .map(([m, p]) => `${m} ${p.replace(/:([A-Za-z]+)/g, '{$1}')}`);
    expect(served.length).toBeGreaterThan(25);
    expect(ops.map((o) => o.name).sort()).toEqual([...new Set(served)].sort());
    for (const { name, op } of ops) {
      expect(op.summary, name).toBeTruthy();
      expect(Object.keys(op.responses), name).toContain('401');
    }
    const byName = Object.fromEntries(ops.map((o) => [o.name, o.op]));
    for (const name of ['POST /api/briefs', 'POST /api/briefs/{id}/test', 'POST /api/briefs/{id}/dispatches', 'GET /api/audience', 'GET /api/subscribers']) {
      expect(Object.keys(byName[name]!.responses), name).toContain('400');
    }
    expect(byName['PUT /api/briefs/{id}']!.responses).toMatchObject({ 404: {}, 409: {}, 412: {}, 415: {} });
    expect(byName['POST /api/briefs/{id}/dispatches']!.responses[409]).toMatchObject({ description: expect.stringContaining('force: true') });
    // JSON or Markdown, one schema each; the JSON brief is the real briefSchema, its topics the configured ones.
    const briefBody = (byName['POST /api/briefs'] as unknown as { requestBody: { content: Record<string, { schema: { $ref?: string } }> } }).requestBody.content;
    expect(Object.keys(briefBody).sort()).toEqual(['application/json', 'text/markdown']);
    expect(briefBody['application/json']!.schema.$ref).toBe('#/components/schemas/BriefInput');
    const { schemas } = doc.components;
    expect(schemas.BriefInput.required).toEqual(expect.arrayContaining(['title', 'publishedAt', 'topics', 'intro', 'sections']));
    expect(schemas.BriefInput.properties.topics.items.enum).toEqual(h.config.topics);
    expect(schemas.DispatchCreateInput.properties.topics.items.enum).toEqual(h.config.topics);
    expect(schemas.Dispatch.properties.status.enum).toContain('sending');
    expect(schemas.Error.properties.error.required).toEqual(['code', 'message']);
    // Only components some operation refers to.
    expect(Object.keys(schemas)).not.toContain('ErrorInput');
    // Descriptions kept in zod's own metadata reach the document.
    expect(schemas.DispatchCreateInput.properties.force.description).toMatch(/Send again/);
    // Public routes stay out of it.
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);

    const page = await h.app.inject({ url: '/api/docs', headers: h.auth });
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect((await h.app.inject({ url: '/api/docs/json', headers: h.auth })).json().paths).toEqual(doc.paths);
  });
});
