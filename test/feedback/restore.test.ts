import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, importActive, type Harness } from '../support/harness.ts';
import { signIn } from '../admin/support.ts';

/**
 * An editor restores one reader whose bounce or complaint was wrong: from the
 * API (`POST /api/subscribers/:id/restore`) or the subscriber page. Bounced or
 * complained -> active, logged as a restore by that editor; anyone else 409.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const FORM = 'application/x-www-form-urlencoded';
let n = 0;
async function left(status: 'bounced' | 'complained') {
  const { id } = await importActive(h, `restore${n++}@restore.example.org`);
  const type = status === 'bounced' ? 'bounce' : 'complaint';
  await h.services.subscribers.leave(id, status, { type, at: new Date().toISOString(), detail: 'dsn 5.1.1 user-unknown', source: 'dsn', status: '5.1.1' });
  return id;
}
const restore = (id: string) => h.app.inject({ method: 'POST', url: `/api/subscribers/${id}/restore`, headers: h.auth });
const inAudience = async (id: string) => (await h.services.redis.zscore(h.services.keys.activeSubscribers, id)) !== null;

describe('POST /api/subscribers/:id/restore', () => {
  it('puts a bounced reader back: 200 with the subscriber, in the audience, the restore in the consent log with who did it', async () => {
    const id = await left('bounced');
    await h.services.redis.zadd(h.services.keys.softBounces(id), Date.now(), 'd1');
    const res = await restore(id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'active' });
    expect(await inAudience(id)).toBe(true);
    expect(await h.services.redis.exists(h.services.keys.softBounces(id))).toBe(0);
    // EDITOR_TOKENS has one unlabelled token: the editor is named by position, never by the token.
    expect((await h.services.subscribers.consentLog(id)).at(-1)).toMatchObject({ type: 'restore', from: 'bounced', editor: 'editor 1' });

    const again = await restore(id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('NOT_BOUNCED');
  });

  it('puts a complained reader back too; a reader who never confirmed, or none at all, is refused', async () => {
    const id = await left('complained');
    expect((await restore(id)).json()).toMatchObject({ status: 'active' });

    const signup = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'never-confirmed@restore.example.org', topics: [] } });
    expect(signup.statusCode).toBe(202);
    const pending = (await h.services.subscribers.findByEmail('never-confirmed@restore.example.org'))!;
    await h.services.subscribers.leave(pending.id, 'bounced', { type: 'bounce', at: new Date().toISOString(), detail: 'dsn 5.1.1', source: 'dsn' });
    const refused = await restore(pending.id);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('NEVER_CONFIRMED');
    expect((await h.services.subscribers.get(pending.id))?.status).toBe('bounced');

    expect((await restore('999999')).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'POST', url: '/api/subscribers/1/restore' })).statusCode).toBe(401);
  });
});

describe('the subscriber page', () => {
  it('shows a bounced reader with their consent log and a Restore button; the button (with CSRF) restores them', async () => {
    const id = await left('bounced');
    const a = await signIn(h);
    const list = await h.app.inject({ url: '/admin/subscribers?status=bounced', headers: { cookie: a.cookie } });
    expect(list.body).toContain(`<a href="/admin/subscribers/${id}">`);

    const page = await h.app.inject({ url: `/admin/subscribers/${id}`, headers: { cookie: a.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dd id="status">bounced</dd>');
    expect(page.body).toMatch(/<td>bounce<\/td><td>detail: dsn 5\.1\.1 user-unknown · source: dsn · status: 5\.1\.1<\/td>/);
    expect(page.body).toContain(`action="/admin/subscribers/${id}/restore"`);

    const forged = await h.app.inject({ method: 'POST', url: `/admin/subscribers/${id}/restore`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: '' });
    expect(forged.statusCode).toBe(403);
    expect((await h.services.subscribers.get(id))?.status).toBe('bounced');

    const res = await h.app.inject({ method: 'POST', url: `/admin/subscribers/${id}/restore`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: new URLSearchParams({ _csrf: a.csrf }).toString() });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/subscribers/${id}?restored=1`);
    const after = await h.app.inject({ url: res.headers.location as string, headers: { cookie: a.cookie } });
    expect(after.body).toContain('<dd id="status">active</dd>');
    expect(after.body).toContain('id="restored"');
    expect(after.body).not.toContain(`action="/admin/subscribers/${id}/restore"`);
    // The page names the editor of the session's token, as the API does for a bearer token.
    expect((await h.services.subscribers.consentLog(id)).at(-1)).toMatchObject({ type: 'restore', editor: 'editor 1' });

    const twice = await h.app.inject({ method: 'POST', url: `/admin/subscribers/${id}/restore`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: new URLSearchParams({ _csrf: a.csrf }).toString() });
    expect(twice.headers.location).toBe(`/admin/subscribers/${id}?refused=NOT_BOUNCED`);
    expect((await h.app.inject({ url: `/admin/subscribers/999999`, headers: { cookie: a.cookie } })).statusCode).toBe(404);
  });
});
