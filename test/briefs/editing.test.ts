import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, EDITOR_TOKEN, importActive, type Harness } from '../support/harness.ts';
import { waitForStatus } from '../dispatch/support.ts';
import { fixture } from './support.ts';

/**
 * Edit until sent (issue 18): PUT, DELETE, archive, history and corrections
 * through the API, against real Redis, a real SMTP server and the workers.
 */

const MARIA = 'maria-token-0123456789abcdef0123456789';
const SECOND = 'second-token-0123456789abcdef012345678';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { EDITOR_TOKENS: `maria=${MARIA},${SECOND},tests=${EDITOR_TOKEN}` } });
}, 60_000);
afterAll(async () => h?.close());

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const seedMd = fixture('seed-brief.md');
/** The seed with its own slug and title, so every test has a brief of its own. */
const draft = (n: string, title = `Brief ${n} on the front line`) =>
  seedMd.replace(/^title: .*$/m, `title: "${title}"`).replace(/^slug: .*$/m, `slug: "edit-test-${n}"`);

const create = async (n: string) => {
  const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...as(MARIA), 'content-type': 'text/markdown' }, payload: draft(n) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; slug: string };
};
const put = (id: string, body: string, token = MARIA, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'PUT', url: `/api/briefs/${id}`, headers: { ...as(token), 'content-type': 'text/markdown', ...headers }, payload: body });
const get = async (id: string) => (await h.app.inject({ url: `/api/briefs/${id}`, headers: as(MARIA) })).json();
const history = async (id: string) => (await h.app.inject({ url: `/api/briefs/${id}/history`, headers: as(MARIA) })).json().items;
const dispatchNow = (id: string, body: Record<string, unknown> = {}) =>
  h.app.inject({ method: 'POST', url: `/api/briefs/${id}/dispatches`, headers: as(MARIA), payload: body });

describe('PUT /api/briefs/:id until the brief is sent', () => {
  it('takes the same Markdown as POST, bumps the version, keeps the slug, and the preview follows the new version', async () => {
    const b = await create('typo');
    const before = await h.app.inject({ url: `/api/briefs/${b.id}/preview?format=text`, headers: as(MARIA) });
    expect(before.body).toContain('Brief typo on the front line');

    const res = await put(b.id, draft('typo', 'Brief typo on the front lines'), SECOND);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: b.id, slug: 'edit-test-typo', version: 2, changed: ['title'] });
    const stored = await get(b.id);
    expect(stored).toMatchObject({ version: 2, slug: 'edit-test-typo', editable: true, brief: { title: 'Brief typo on the front lines' } });
    const after = await h.app.inject({ url: `/api/briefs/${b.id}/preview?format=text`, headers: as(MARIA) });
    expect(after.body).toContain('Brief typo on the front lines');

    // Saving the same text again changes nothing: no new version, no history entry.
    const same = await put(b.id, draft('typo', 'Brief typo on the front lines'));
    expect(same.json()).toMatchObject({ version: 2, changed: [] });

    const items = await history(b.id);
    expect(items.map((e: { action: string }) => e.action)).toEqual(['created', 'updated']);
    expect(items[0]).toMatchObject({ by: 'maria', version: 1 });
    expect(items[1]).toMatchObject({ by: 'editor 2', version: 2, changed: ['title'] });
    expect(Date.parse(items[1].at)).toBeGreaterThan(0);
  });

  it('a JSON body works too; a new slug is taken only when asked for, and one that is taken is refused', async () => {
    const a = await create('slug-a');
    const b = await create('slug-b');
    const json = { ...(await get(a.id)).brief, slug: undefined, byline: 'Atlantic Council experts' };
    const res = await h.app.inject({ method: 'PUT', url: `/api/briefs/${a.id}`, headers: as(MARIA), payload: json });
    expect(res.json()).toMatchObject({ slug: 'edit-test-slug-a', version: 2, changed: ['byline'] });

    const taken = await put(a.id, draft('slug-a').replace('edit-test-slug-a', 'edit-test-slug-b'));
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('SLUG_TAKEN');
    const renamed = await put(a.id, draft('slug-a').replace('edit-test-slug-a', 'edit-test-slug-a-renamed'));
    expect(renamed.json()).toMatchObject({ slug: 'edit-test-slug-a-renamed', version: 3 });
    expect(renamed.json().changed).toContain('slug');
    // The old slug is free again: the other brief can take it.
    const moved = await put(b.id, draft('slug-b').replace('edit-test-slug-b', 'edit-test-slug-a'));
    expect(moved.json().slug).toBe('edit-test-slug-a');
  });

  it('names bad fields with their lines, and refuses a change made against an older version (If-Match)', async () => {
    const b = await create('lines');
    const bad = await put(b.id, draft('lines').replace('publishedAt: 2024-05-30', 'publishedAt: 2024-13-01'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields).toEqual([{ field: 'publishedAt', message: expect.stringContaining('real date'), line: 4 }]);

    const etag = (await h.app.inject({ url: `/api/briefs/${b.id}`, headers: as(MARIA) })).headers.etag;
    expect(etag).toBe('"1"');
    expect((await put(b.id, draft('lines', 'First save wins'), MARIA, { 'if-match': '"1"' })).statusCode).toBe(200);
    const stale = await put(b.id, draft('lines', 'Second save loses'), SECOND, { 'if-match': '"1"' });
    expect(stale.statusCode).toBe(412);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    expect((await get(b.id)).brief.title).toBe('First save wins');
  });
});

describe('a dispatch freezes the brief', () => {
  it('once a dispatch has started, PUT and DELETE answer 409 BRIEF_SENT; the brief can be archived and corrected', async () => {
    await importActive(h, 'frozen-reader@example.org');
    const b = await create('frozen');
    const d = (await dispatchNow(b.id)).json().id as string;
    // Started at once (a send-now dispatch is created planning): refused before any worker has touched it.
    const refused = await put(b.id, draft('frozen', 'Too late'));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('BRIEF_SENT');
    expect((await h.app.inject({ method: 'POST', url: `/api/briefs/${b.id}/archive`, headers: as(MARIA) })).json().error.code).toBe('BRIEF_DISPATCH_ACTIVE');
    await waitForStatus(h, d, 'done', 30_000);
    expect(h.smtp.to('frozen-reader@example.org').at(-1)!.parsed.subject).toBe('Brief frozen on the front line');
    expect((await get(b.id)).editable).toBe(false);

    const del = await h.app.inject({ method: 'DELETE', url: `/api/briefs/${b.id}`, headers: as(MARIA) });
    expect(del.statusCode).toBe(409);
    expect(del.json().error.code).toBe('BRIEF_SENT');

    const archived = await h.app.inject({ method: 'POST', url: `/api/briefs/${b.id}/archive`, headers: as(MARIA) });
    expect(archived.statusCode).toBe(200);
    expect(archived.json().archivedAt).toBeTruthy();
    const list = await h.app.inject({ url: '/api/briefs?limit=200', headers: as(MARIA) });
    expect(list.json().items.map((x: { id: string }) => x.id)).not.toContain(b.id);
    const archivedList = await h.app.inject({ url: '/api/briefs?archived=true', headers: as(MARIA) });
    expect(archivedList.json().items.map((x: { id: string }) => x.id)).toContain(b.id);
    // The web version stays.
    expect((await h.app.inject({ url: `/briefs/${b.slug}` })).statusCode).toBe(200);

    const correction = await h.app.inject({ method: 'POST', url: `/api/briefs/${b.id}/correction`, headers: as(SECOND) });
    expect(correction.statusCode).toBe(201);
    const c = correction.json();
    expect(c.correctionOf).toBe(b.id);
    expect(await get(c.id)).toMatchObject({ editable: true, correctionOf: b.id, brief: { title: 'Correction: Brief frozen on the front line' } });
    expect(c.slug).not.toBe(b.slug);
    expect((await put(c.id, draft('frozen', 'Correction: Brief frozen on the front line (updated)').replace(/^slug: .*\n/m, ''))).statusCode).toBe(200);
    expect((await history(b.id)).map((e: { action: string; by: string }) => `${e.action} ${e.by}`)).toEqual(['created maria', 'sent dispatch', 'archived maria', 'correction editor 2']);
    expect((await history(c.id))[0]).toMatchObject({ action: 'created', by: 'editor 2', brief: b.id });
    // A draft has nothing to correct.
    const notSent = await h.app.inject({ method: 'POST', url: `/api/briefs/${c.id}/correction`, headers: as(MARIA) });
    expect(notSent.json().error.code).toBe('BRIEF_NOT_SENT');
  }, 60_000);

  it('a scheduled dispatch leaves the brief editable and sends the version current at its start; DELETE waits for its cancel', async () => {
    await importActive(h, 'scheduled-reader@example.org');
    const b = await create('scheduled');
    const at = new Date(Date.now() + 3_000).toISOString();
    const d = (await dispatchNow(b.id, { at })).json().id as string;
    expect((await put(b.id, draft('scheduled', 'Scheduled, then fixed'))).statusCode).toBe(200);
    const del = await h.app.inject({ method: 'DELETE', url: `/api/briefs/${b.id}`, headers: as(MARIA) });
    expect(del.json().error.code).toBe('BRIEF_SCHEDULED');
    await waitForStatus(h, d, 'done', 30_000);
    expect(h.smtp.to('scheduled-reader@example.org').at(-1)!.parsed.subject).toBe('Scheduled, then fixed');
    expect((await put(b.id, draft('scheduled', 'After the send'))).json().error.code).toBe('BRIEF_SENT');
  }, 60_000);

  it('a draft whose scheduled dispatch was cancelled is deleted with 204, its slug freed', async () => {
    const b = await create('deleted');
    const d = (await dispatchNow(b.id, { at: new Date(Date.now() + 3_600_000).toISOString() })).json().id as string;
    expect((await h.app.inject({ method: 'POST', url: `/api/dispatches/${d}/cancel`, headers: as(MARIA) })).statusCode).toBe(200);
    const del = await h.app.inject({ method: 'DELETE', url: `/api/briefs/${b.id}`, headers: as(MARIA) });
    expect(del.statusCode).toBe(204);
    expect((await h.app.inject({ url: `/api/briefs/${b.id}`, headers: as(MARIA) })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/briefs/${b.id}`, headers: as(MARIA) })).statusCode).toBe(404);
    expect((await create('deleted')).slug).toBe('edit-test-deleted');
  });

  it('PUTs racing a scheduled dispatch\'s start: the copy readers get is the last version a PUT saved, and every PUT after the start is refused', async () => {
    await importActive(h, 'race-reader@example.org');
    const b = await create('race');
    const d = (await dispatchNow(b.id, { at: new Date(Date.now() + 1_500).toISOString() })).json().id as string;
    let lastSaved = 'Brief race on the front line';
    let refusedAt = -1;
    for (let i = 0; i < 400 && refusedAt < 0; i++) {
      const title = `Race version ${i}`;
      const res = await put(b.id, draft('race', title));
      if (res.statusCode === 200) lastSaved = title;
      else {
        expect(res.json().error.code).toBe('BRIEF_SENT');
        refusedAt = i;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(refusedAt).toBeGreaterThan(0);
    await waitForStatus(h, d, 'done', 30_000);
    expect(h.smtp.to('race-reader@example.org').map((m) => m.parsed.subject)).toEqual([lastSaved]);
    expect((await put(b.id, draft('race', 'Later still'))).statusCode).toBe(409);
  }, 60_000);
});

describe('who changed it', () => {
  it('history and Redis hold editor labels, never a token', async () => {
    const b = await create('tokens');
    await put(b.id, draft('tokens', 'Renamed by the second editor'), SECOND);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await h.services.redis.scan(cursor, 'MATCH', `${h.prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys.filter((k) => k.includes(':brief'))) {
      const type = await h.services.redis.type(key);
      const dump = type === 'hash' ? JSON.stringify(await h.services.redis.hgetall(key)) : type === 'list' ? JSON.stringify(await h.services.redis.lrange(key, 0, -1)) : '';
      expect(dump, key).not.toContain(MARIA);
      expect(dump, key).not.toContain(SECOND);
    }
    expect((await history(b.id)).map((e: { by: string }) => e.by)).toEqual(['maria', 'editor 2']);
  });
});
