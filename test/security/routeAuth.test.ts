import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Every editor and ops route, found by walking the app's own route table (so
 * a route added later is covered without editing this file), refuses a
 * request with no credentials and one with a wrong token. Only the routes
 * listed as public answer without them.
 */

const PUBLIC = new Set([
  '/', '/healthz', '/readyz', '/subscribe', '/confirm/:token', '/unsubscribe/:token', '/preferences/:token', '/briefs/:slug',
  '/admin/login',
  // Relay webhooks: each checks its relay's own signature or credentials (401 when forged), 404 when not configured.
  '/webhooks/ses', '/webhooks/mailgun', '/webhooks/sendgrid', '/webhooks/postmark',
]);

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { METRICS_TOKEN: 'metrics-token-0123456789' } });
});
afterAll(async () => h?.close());

/** Parses Fastify's printRoutes({ commonPrefix: false }) tree into [path, methods]. */
function routeTable(tree: string): [string, string[]][] {
  const stack: { depth: number; path: string }[] = [];
  const out: [string, string[]][] = [];
  for (const line of tree.split('\n')) {
    const m = /^(.*?)(?:└── |├── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length;
    while (stack.length && stack.at(-1)!.depth >= depth) stack.pop();
    const path = `${stack.at(-1)?.path ?? ''}${m[2]}`;
    stack.push({ depth, path });
    out.push([path, m[3]!.split(', ').filter((x) => x !== 'HEAD')]);
  }
  return out;
}

const concrete = (path: string) =>
  path.replace(/:queueName/g, 'deliver').replace(/:queueStatus/g, 'failed').replace(/:[A-Za-z]+/g, '1').replace(/\*$/, 'x');

describe('editor and ops routes without and with a wrong token', () => {
  const routes = () => routeTable(h.app.printRoutes({ commonPrefix: false }));

  it('the route table is read (sanity: known routes are found)', () => {
    const paths = routes().map(([p]) => p);
    for (const p of ['/api/briefs', '/api/dispatches/:id/cancel', '/api/subscribers/import', '/metrics', '/subscribe']) expect(paths).toContain(p);
  });

  it('every protected route refuses: 401 on the API and ops, a redirect to sign-in in the admin UI', async () => {
    const checked: string[] = [];
    // Each request from a client of its own: what is checked is each route's refusal, not the wrong-token budget (test/security/tokenGuessing.test.ts).
    const client = () => `198.51.100.${checked.length % 250}`;
    for (const [path, methods] of routes()) {
      if (PUBLIC.has(path)) continue;
      for (const method of methods) {
        for (const creds of [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: 'Basic ZWRpdG9yOnRva2Vu', cookie: 'bw_admin=forged; bw_session=forged' }]) {
          const res = await h.app.inject({
            method: method as 'GET',
            url: concrete(path),
            remoteAddress: client(),
            headers: { ...creds, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
            ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}' }),
          });
          const where = `${method} ${path} ${JSON.stringify(creds)}`;
          if (path.startsWith('/admin')) {
            // A wildcard (static assets) may answer 404 for a file that does not exist; real assets redirect.
            expect(path.endsWith('*') ? [401, 303, 404] : [401, 303], where).toContain(res.statusCode);
            if (res.statusCode === 303) expect(res.headers.location, where).toMatch(/^\/admin\/login/);
          } else {
            expect(res.statusCode, where).toBe(401);
          }
          expect(res.body, where).not.toContain('fuzz-token@');
          checked.push(where);
        }
      }
    }
    expect(checked.length).toBeGreaterThan(30);
  });

  it('an existing admin asset is behind sign-in too', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/admin/queues/static/favicon-32x32.png' });
    expect(res.statusCode).toBe(303);
  });

  it('the right token is accepted (the refusals above are about the token, not the route)', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/briefs', headers: h.auth })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode).toBe(200);
  });
});
