import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { signIn } from '../admin/support.ts';

/**
 * Issue 14, finding 6: an /admin session outlived the editor token that opened
 * it, so removing a leaked token from EDITOR_TOKENS left its sessions signed
 * in for up to 12 hours. A session now records a keyed digest of its token and
 * each request checks that the token is still configured.
 */

const KEPT = 'kept-editor-token-0123456789abcdef0123';
const REMOVED = 'leaked-editor-token-0123456789abcdef01';

let h: Harness;
let restarted: { services: ApiServices; app: FastifyInstance };
beforeAll(async () => {
  h = await createHarness({ env: { EDITOR_TOKENS: `${KEPT},${REMOVED}` } });
});
afterAll(async () => {
  await restarted?.app.close();
  await restarted?.services.close();
  await h?.close();
});

/** The same deployment (same Redis and prefix) restarted with `tokens` as its EDITOR_TOKENS. */
async function restartWith(tokens: string) {
  const services = createApiServices(loadConfig({ ...h.env, EDITOR_TOKENS: tokens }), createLogger('silent'));
  await services.redis.ping().catch(async () => new Promise((r) => services.redis.once('ready', r)));
  return { services, app: await buildApp(services) };
}

const sessionKey = (cookie: string) => `${h.prefix}:admin-session:${createHash('sha256').update(cookie.slice('bw_admin='.length)).digest('hex')}`;

describe('removing a token from EDITOR_TOKENS', () => {
  it("ends the sessions that token opened (redirect to sign-in, session deleted); other tokens' sessions go on", async () => {
    const leaked = await signIn(h, REMOVED);
    const kept = await signIn(h, KEPT);
    expect(leaked.cookie).not.toBe('');
    expect(kept.cookie).not.toBe('');
    expect((await h.app.inject({ url: '/admin', headers: { cookie: leaked.cookie } })).statusCode).toBe(200);

    restarted = await restartWith(KEPT);
    const refused = await restarted.app.inject({ url: '/admin', headers: { cookie: leaked.cookie } });
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toMatch(/^\/admin\/login/);
    expect(await h.services.redis.exists(sessionKey(leaked.cookie))).toBe(0);
    // A form post with the old session and its CSRF token is sent to sign-in too.
    const post = await restarted.app.inject({
      method: 'POST',
      url: '/admin/logout',
      headers: { cookie: leaked.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(leaked.csrf)}`,
    });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe('/admin/login');

    expect((await restarted.app.inject({ url: '/admin', headers: { cookie: kept.cookie } })).statusCode).toBe(200);
    // The removed token no longer signs in either.
    const { res } = await signIn({ ...h, app: restarted.app }, REMOVED);
    expect(res.statusCode).toBe(401);
  });

  it('a session stored without a token digest (opened before this check) counts as ended', async () => {
    const legacy = 'L'.repeat(43);
    await h.services.redis.set(sessionKey(`bw_admin=${legacy}`), JSON.stringify({ createdAt: new Date().toISOString() }), 'EX', 600);
    const res = await h.app.inject({ url: '/admin', headers: { cookie: `bw_admin=${legacy}` } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/login/);
  });
});
