import type { Harness } from '../support/harness.ts';
import { EDITOR_TOKEN } from '../support/harness.ts';

/** Every route the app serves, as [method, path] pairs, read from Fastify's own route tree. */
export function allRoutes(h: Harness): [string, string][] {
  const out: [string, string][] = [];
  const stack: string[] = [];
  for (const line of h.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^(.*?)[└├]── (\S+) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/\/\/+/g, '/');
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push([method, path]);
  }
  return out;
}

/** A concrete URL for a route pattern. Bull Board's static wildcard prints as `/admin/queues/*` but lives under `static/`. */
export const concrete = (path: string) =>
  path
    .replace(/:queueName/g, 'mail')
    .replace(/:[A-Za-z]+/g, '1')
    .replace(/^\/admin\/queues\/\*$/, '/admin/queues/static/x')
    .replace(/\*$/, 'x');

const cookieOf = (setCookie: string | string[] | undefined, name: string) => {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = list.find((x) => x.startsWith(`${name}=`));
  return c ? { header: c, value: c.split(';')[0]!.slice(name.length + 1) } : undefined;
};

export const csrfFrom = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1];

/** Signs in through the real login form (inject), returning the session cookie and its CSRF token. */
export async function signIn(h: Harness, token = EDITOR_TOKEN, ip = '127.0.0.1') {
  const form = await h.app.inject({ url: '/admin/login', remoteAddress: ip });
  const anchor = cookieOf(form.headers['set-cookie'], 'bw_login')!;
  const res = await h.app.inject({
    method: 'POST',
    url: '/admin/login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `bw_login=${anchor.value}` },
    payload: new URLSearchParams({ _csrf: csrfFrom(form.body)!, token, next: '/admin' }).toString(),
  });
  const session = cookieOf(res.headers['set-cookie'], 'bw_admin');
  if (!session) return { res, cookie: '', csrf: '', setCookie: '' };
  const home = await h.app.inject({ url: '/admin', headers: { cookie: `bw_admin=${session.value}` } });
  return { res, cookie: `bw_admin=${session.value}`, csrf: csrfFrom(home.body)!, setCookie: session.header };
}
