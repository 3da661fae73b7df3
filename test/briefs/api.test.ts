import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { fixture, seedJson } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true });
});
afterAll(async () => h?.close());

const post = (payload: unknown, contentType = 'application/json', auth = true) =>
  h.app.inject({
    method: 'POST',
    url: '/api/briefs',
    headers: { 'content-type': contentType, ...(auth ? h.auth : {}) },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('POST /api/briefs', () => {
  it('takes the seed brief as Markdown and as JSON', async () => {
    const md = await post(fixture('seed-brief.md'), 'text/markdown');
    expect(md.statusCode).toBe(201);
    expect(md.json()).toMatchObject({ id: expect.stringMatching(/^b\d+$/), slug: '2024-05-30-us-green-light-strikes-inside-russia', warnings: [] });
    const json = await post(seedJson());
    expect(json.statusCode).toBe(201);
    // The slug is taken: the second gets a suffix rather than overwriting the first.
    expect(json.json().slug).toBe('2024-05-30-us-green-light-strikes-inside-russia-2');
    const got = await h.app.inject({ method: 'GET', url: `/api/briefs/${md.json().id}`, headers: h.auth });
    expect(got.json().brief.sections).toHaveLength(2);
    const list = await h.app.inject({ method: 'GET', url: '/api/briefs', headers: h.auth });
    expect(list.json().items.map((b: { id: string }) => b.id)).toEqual([json.json().id, md.json().id]);
  });

  it('names the wrong fields of a malformed brief', async () => {
    const res = await post({ ...seedJson(), title: '', publishedAt: '2024-02-30', topics: ['Atlantis'], url: 'javascript:alert(1)' });
    expect(res.statusCode).toBe(400);
    const fields = res.json().error.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['title', 'publishedAt', 'topics.0', 'url']));
  });

  it('escapes raw HTML from Markdown; it never renders', async () => {
    const md = fixture('seed-brief.md').replace('One hand may be coming untied.', 'One hand <script>alert(1)</script><img src=x onerror=alert(1)> untied.');
    const res = await post(md, 'text/markdown');
    expect(res.statusCode).toBe(201);
    const preview = await h.app.inject({ method: 'GET', url: `/api/briefs/${res.json().id}/preview?format=html`, headers: h.auth });
    expect(preview.body).not.toMatch(/<script>alert|<img src=x/);
    expect(preview.body).toContain('&lt;script&gt;');
  });

  it('refuses other content types with 415 and a 1 MB+ body with 413', async () => {
    expect((await post('title,x', 'text/csv')).statusCode).toBe(415);
    expect((await post('x', 'application/xml')).statusCode).toBe(415);
    const big = await post({ ...seedJson(), intro: ['x'.repeat(1_100_000)] });
    expect(big.statusCode).toBe(413);
  });

  it('answers 401 without an editor token, and with a wrong one', async () => {
    expect((await post(seedJson(), 'application/json', false)).statusCode).toBe(401);
    for (const url of ['/api/briefs', '/api/briefs/b1', '/api/briefs/b1/preview', '/api/dispatches/d1', '/api/subscribers', '/api/subscribers.csv']) {
      expect((await h.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
      expect((await h.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong' } })).statusCode, url).toBe(401);
    }
  });
});

describe('preview, test send, web version', () => {
  it('previews the email as a reader gets it, in HTML and text, with its size in a header', async () => {
    const id = (await post(seedJson())).json().id;
    const html = await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview?format=html`, headers: h.auth });
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(Number(html.headers['x-briefwire-html-bytes'])).toBeGreaterThan(10_000);
    expect(html.body).toContain('The Kharkiv conundrum');
    expect(html.body).toContain('https://news.example.org/unsubscribe/sample-preview-link');
    expect(html.body).not.toMatch(/bwslot-/);
    const text = await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview?format=text`, headers: h.auth });
    expect(text.body).toContain('John E. Herbst');
    expect(text.body).toContain('REUTERS/Valentyn Ogirenko');
    expect((await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview?format=pdf`, headers: h.auth })).statusCode).toBe(400);
    expect((await h.app.inject({ method: 'GET', url: '/api/briefs/b99999/preview', headers: h.auth })).statusCode).toBe(404);
  });

  it('warns in the preview headers when the HTML passes 102 KB', async () => {
    const bullets = Array.from({ length: 40 }, (_, i) => `Bullet ${i} ${'lorem ipsum dolor sit amet '.repeat(12)}`);
    const id = (await post({ ...seedJson(), sections: Array.from({ length: 10 }, (_, i) => ({ heading: `Part ${i}`, bullets })) })).json().id;
    const res = await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview`, headers: h.auth });
    expect(res.headers['x-briefwire-warning']).toMatch(/102 KB/);
  });

  it('sends test copies through the transactional lane with a marked subject', async () => {
    const id = (await post(seedJson())).json().id;
    const res = await h.app.inject({ method: 'POST', url: `/api/briefs/${id}/test`, headers: h.auth, payload: { to: ['editor@example.org', 'second@example.org'] } });
    expect(res.statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.to('editor@example.org').length === 1 && h.smtp.to('second@example.org').length === 1);
    expect(h.smtp.to('editor@example.org')[0]!.parsed.subject).toBe('[TEST] Why the US is giving Ukraine the green light to attack inside Russia');
    const bad = await h.app.inject({ method: 'POST', url: `/api/briefs/${id}/test`, headers: h.auth, payload: { to: ['Name <a@b.com>'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].field).toBe('to.0');
  });

  it('serves the web version only once the brief has gone out', async () => {
    const created = (await post({ ...seedJson(), slug: 'web-version-check' })).json();
    expect((await h.app.inject({ method: 'GET', url: '/briefs/web-version-check' })).statusCode).toBe(404);
    await h.services.briefs.markPublished(created.id);
    const page = await h.app.inject({ method: 'GET', url: '/briefs/web-version-check' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Less than meets the eye');
    expect(page.body).not.toMatch(/unsubscribe\/\d/);
  });
});
