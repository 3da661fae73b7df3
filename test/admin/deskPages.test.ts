import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, EDITOR_TOKEN, type Harness } from '../support/harness.ts';
import { signIn } from './support.ts';

/** The desk's pages through inject: preview endpoint, template guard, edit conflicts, delete, schedule checks, the dispatch list. */

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const DESK_TOKEN = 'desk-token-0123456789abcdef0123456789';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ env: { EDITOR_TOKENS: `${EDITOR_TOKEN},desk=${DESK_TOKEN}` } });
});
afterAll(async () => h?.close());

const variant = (slug: string, title = 'Desk page brief') => seed.replace(/^slug: .*$/m, `slug: "${slug}"`).replace(/^title: .*$/m, `title: "${title}"`);
const post = (a: { cookie: string }, url: string, fields: Record<string, string>) =>
  h.app.inject({ method: 'POST', url, headers: { cookie: a.cookie, 'content-type': FORM }, payload: form(fields) });
const create = async (slug: string) => {
  const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: variant(slug) });
  return res.json().id as string;
};

describe('the live preview endpoint', () => {
  it('needs the session\'s CSRF token, and answers the email or the errors at their lines, saving nothing', async () => {
    const a = await signIn(h);
    const before = (await h.services.briefs.list({ limit: 200 })).length;
    expect((await post(a, '/admin/briefs/preview', { markdown: seed })).statusCode).toBe(403);
    const ok = await post(a, '/admin/briefs/preview', { markdown: seed, _csrf: a.csrf });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, subject: 'Why the US is giving Ukraine the green light to attack inside Russia', warnings: [] });
    expect(ok.json().html).toContain('Less than meets the eye');
    expect(ok.json().html).toContain('https://news.example.org/unsubscribe/sample-preview-link');
    const bad = await post(a, '/admin/briefs/preview', { markdown: seed.replace('publishedAt: 2024-05-30', 'publishedAt: 2024-13-01'), _csrf: a.csrf });
    expect(bad.json()).toEqual({ ok: false, errors: [{ field: 'publishedAt', message: 'must be a real date written YYYY-MM-DD', line: 4 }] });
    expect((await h.services.briefs.list({ limit: 200 })).length).toBe(before);
    // The same for API clients, with a bearer token.
    const api = await h.app.inject({ method: 'POST', url: '/api/briefs/preview', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: seed });
    expect(api.json().ok).toBe(true);
  });
});

describe('writing and editing', () => {
  it('the new page starts from the template, which cannot be saved with its example links', async () => {
    const a = await signIn(h);
    const page = await h.app.inject({ url: '/admin/briefs/new', headers: { cookie: a.cookie } });
    const template = /<textarea id="markdown"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.body)![1]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    expect(page.body).toContain('id="live-desktop"');
    expect(page.body).toMatch(/srcdoc="[^"]*Headline: what happened/);
    const res = await post(a, '/admin/briefs', { markdown: template, _csrf: a.csrf });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/line 6<\/a> url: is still the template&#39;s example link/);
  });

  it('an edit saved against an older version is refused with the text kept; saving again replaces it; history names the labels', async () => {
    const id = await create('desk-conflict');
    const a = await signIn(h);
    const b = await signIn(h, DESK_TOKEN);
    const edit = await h.app.inject({ url: `/admin/briefs/${id}/edit`, headers: { cookie: a.cookie } });
    expect(edit.body).toContain('name="version" value="1"');
    expect((await post(b, `/admin/briefs/${id}/edit`, { markdown: variant('desk-conflict', 'Saved by the desk'), version: '1', _csrf: b.csrf })).headers.location).toBe(`/admin/briefs/${id}?saved=2`);
    const late = await post(a, `/admin/briefs/${id}/edit`, { markdown: variant('desk-conflict', 'Saved late'), version: '1', _csrf: a.csrf });
    expect(late.statusCode).toBe(409);
    expect(late.body).toContain('id="editor-notice"');
    expect(late.body).toContain('Saved late');
    expect(late.body).toContain('name="version" value="2"');
    expect((await h.services.briefs.get(id))?.brief.title).toBe('Saved by the desk');
    expect((await post(a, `/admin/briefs/${id}/edit`, { markdown: variant('desk-conflict', 'Saved late'), version: '2', _csrf: a.csrf })).statusCode).toBe(303);
    expect((await h.services.briefs.history(id)).map((e) => `${e.action} ${e.by}`)).toEqual(['created editor 1', 'updated desk', 'updated editor 1']);
  });

  it('a draft is deleted behind its button; one with a scheduled dispatch says to cancel it first', async () => {
    const a = await signIn(h);
    const draft = await create('desk-delete');
    const page = await h.app.inject({ url: `/admin/briefs/${draft}`, headers: { cookie: a.cookie } });
    expect(page.body).toContain('id="delete-brief" data-confirm="Delete this draft for good?');
    const res = await post(a, `/admin/briefs/${draft}/delete`, { _csrf: a.csrf });
    expect(res.headers.location).toBe(`/admin?deleted=${draft}`);
    expect(await h.services.briefs.get(draft)).toBeNull();

    const held = await create('desk-held');
    const d = (await h.app.inject({ method: 'POST', url: `/api/briefs/${held}/dispatches`, headers: h.auth, payload: { at: new Date(Date.now() + 3_600_000).toISOString() } })).json().id;
    const refused = await post(a, `/admin/briefs/${held}/delete`, { _csrf: a.csrf });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain(`Dispatch ${d} of this brief is scheduled: cancel it first. (BRIEF_SCHEDULED)`);
    expect(await h.services.briefs.get(held)).not.toBeNull();
  });
});

describe('scheduling and the dispatch list', () => {
  it('a time that has passed, or is not a time, schedules nothing; a good one is confirmed first, then listed', async () => {
    const a = await signIn(h);
    const id = await create('desk-schedule');
    const past = await h.app.inject({ url: `/admin/briefs/${id}/schedule?at=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`, headers: { cookie: a.cookie } });
    expect(past.statusCode).toBe(400);
    expect(past.body).toContain('id="schedule-problem"');
    expect((await post(a, `/admin/briefs/${id}/schedule`, { at: 'tomorrow', _csrf: a.csrf })).statusCode).toBe(400);
    expect((await post(a, `/admin/briefs/${id}/schedule`, { at: new Date(Date.now() + 5_000).toISOString(), _csrf: a.csrf })).statusCode).toBe(400);
    expect(await h.services.dispatches.latestForBriefs([id])).toEqual([null]);

    const at = new Date(Date.now() + 7_200_000).toISOString();
    const confirm = await h.app.inject({ url: `/admin/briefs/${id}/schedule?at=${encodeURIComponent(at)}&topics=Ukraine`, headers: { cookie: a.cookie } });
    expect(confirm.body).toContain(`<time data-local datetime="${at}" id="scheduled-at">`);
    const done = await post(a, `/admin/briefs/${id}/schedule`, { at, topics: 'Ukraine', _csrf: a.csrf });
    expect(done.statusCode).toBe(303);
    const dispatchId = /\/admin\/dispatches\/(d\d+)$/.exec(String(done.headers.location))![1]!;
    expect(await h.services.dispatches.get(dispatchId)).toMatchObject({ status: 'scheduled', scheduledAt: at, topics: ['Ukraine'] });

    const list = await h.app.inject({ url: '/admin/dispatches', headers: { cookie: a.cookie } });
    const scheduled = /<table id="scheduled-dispatches">([\s\S]*?)<\/table>/.exec(list.body)?.[1] ?? '';
    expect(scheduled).toContain(`data-dispatch-id="${dispatchId}"`);
    expect(scheduled).toContain(`<form method="post" action="/admin/dispatches/${dispatchId}/cancel" class="inline">`);
    expect(list.body).toContain('id="no-running"');
    expect(list.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
  });

  it('a scheduled dispatch can be breaking, chosen on the confirmation step', async () => {
    const a = await signIn(h);
    const id = await create('desk-schedule-breaking');
    const at = new Date(Date.now() + 7_200_000).toISOString();
    const confirm = await h.app.inject({ url: `/admin/briefs/${id}/schedule?at=${encodeURIComponent(at)}`, headers: { cookie: a.cookie } });
    expect(confirm.body).toContain('id="schedule-breaking"');
    const done = await post(a, `/admin/briefs/${id}/schedule`, { at, priority: 'breaking', _csrf: a.csrf });
    expect(done.statusCode).toBe(303);
    const dispatchId = /\/admin\/dispatches\/(d\d+)$/.exec(String(done.headers.location))![1]!;
    expect(await h.services.dispatches.get(dispatchId)).toMatchObject({ status: 'scheduled', priority: 'breaking' });
  });
});
