import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.ts';
import type { FeedDeps } from '../../src/feed/poll.ts';
import type { Harness } from '../support/harness.ts';

/** Feed-watcher test helpers: the seed as a WordPress post, feed builders, a scriptable feed server, a log catcher. */

export interface SeedBrief {
  title: string;
  url: string;
  byline: string;
  publishedAt: string;
  topics: string[];
  intro: string[];
  sections: { heading: string; bullets: string[] }[];
  image: { url: string; alt: string; caption: string; credit: string };
}

export const seed = (): SeedBrief => JSON.parse(readFileSync(new URL('../fixtures/seed-brief.json', import.meta.url), 'utf8')) as SeedBrief;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The seed brief as a WordPress post body: intro paragraphs, a captioned figure, h2 sections with bullet lists. */
export function seedHtml(b: SeedBrief = seed()): string {
  return [
    ...b.intro.map((p) => `<p>${esc(p)}</p>`),
    `<figure class="wp-block-image size-large"><img decoding="async" src="${esc(b.image.url)}" alt="${esc(b.image.alt)}" class="wp-image-1"/>`,
    `<figcaption class="wp-element-caption">${esc(b.image.caption)} <span class="credit">${esc(b.image.credit)}</span></figcaption></figure>`,
    ...b.sections.map((s) => `<h2 class="wp-block-heading">${esc(s.heading)}</h2>\n<ul>\n${s.bullets.map((x) => `<li>${esc(x)}</li>`).join('\n')}\n</ul>`),
  ].join('\n');
}

export interface Item {
  guid: string;
  title: string;
  link: string;
  html: string;
  categories?: string[];
  author?: string;
  pubDate?: string;
}

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

export function rss(items: Item[], title = 'Atlantic Council'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>${esc(title)}</title><link>https://www.atlanticcouncil.org</link><description>Fast Thinking</description>
${items
  .map(
    (i) => `<item><title>${esc(i.title)}</title><link>${esc(i.link)}</link>
<dc:creator>${cdata(i.author ?? 'Atlantic Council')}</dc:creator><pubDate>${i.pubDate ?? 'Thu, 30 May 2024 21:15:00 +0000'}</pubDate>
${(i.categories ?? []).map((c) => `<category>${cdata(c)}</category>`).join('')}
<guid isPermaLink="false">${esc(i.guid)}</guid><description>${cdata('A summary.')}</description>
<content:encoded>${cdata(i.html)}</content:encoded></item>`,
  )
  .join('\n')}
</channel></rss>`;
}

export function atom(items: Item[], title = 'Atlantic Council'): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>${esc(title)}</title><id>urn:ac:feed</id><updated>2024-05-30T21:15:00Z</updated>
${items
  .map(
    (i) => `<entry><title>${esc(i.title)}</title><id>${esc(i.guid)}</id><link rel="alternate" href="${esc(i.link)}"/>
<published>2024-05-30T21:15:00Z</published><updated>2024-05-30T21:15:00Z</updated><author><name>${esc(i.author ?? 'Atlantic Council')}</name></author>
${(i.categories ?? []).map((c) => `<category term="${esc(c)}"/>`).join('')}
<content type="html">${esc(i.html)}</content></entry>`,
  )
  .join('\n')}
</feed>`;
}

/** An older post: what the feed already holds when the watcher first sees it. */
export const oldItem = (n: number): Item => ({
  guid: `https://www.atlanticcouncil.org/?p=${1000 + n}`,
  title: `Older brief ${n}`,
  link: `https://www.atlanticcouncil.org/blogs/new-atlanticist/older-${n}/`,
  html: `<p>Intro ${n}.</p><h2>Part</h2><ul><li>Point ${n}.</li></ul>`,
  categories: ['Russia'],
});

export const seedItem = (): Item => {
  const b = seed();
  return { guid: 'https://www.atlanticcouncil.org/?p=777245', title: b.title, link: b.url, html: seedHtml(b), categories: [...b.topics, 'New Atlanticist', 'Fast Thinking'] };
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server whose answer per path the test sets; it remembers each request's headers. */
export async function startFeedServer() {
  const routes = new Map<string, Handler>();
  const requests: { path: string; headers: IncomingMessage['headers'] }[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ path, headers: req.headers });
    const h = routes.get(path);
    if (!h) {
      res.writeHead(404).end('not found');
      return;
    }
    h(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    url: (path: string) => `${base}${path}`,
    requests,
    route(path: string, h: Handler) {
      routes.set(path, h);
    },
    /** Serves a body with an ETag; answers 304 to a matching If-None-Match. */
    serve(path: string, body: string, opts: { type?: string; etag?: string; lastModified?: string } = {}) {
      routes.set(path, (req, res) => {
        if (opts.etag && req.headers['if-none-match'] === opts.etag) return void res.writeHead(304).end();
        res.writeHead(200, {
          'content-type': opts.type ?? 'application/rss+xml; charset=UTF-8',
          ...(opts.etag ? { etag: opts.etag } : {}),
          ...(opts.lastModified ? { 'last-modified': opts.lastModified } : {}),
        });
        res.end(body);
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

/** A logger whose JSON lines the test can read back. */
export function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

export function feedDeps(h: Harness, logger = h.services.logger): FeedDeps {
  const s = h.services;
  return { config: h.config, logger, redis: s.redis, keys: s.keys, briefs: s.briefs, dispatchControl: s.dispatchControl, mailQueue: s.queues.mail };
}
