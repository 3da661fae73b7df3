import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHarness, TOPICS, type Harness } from '../support/harness.ts';
import { FeedError } from '../../src/feed/errors.ts';
import { fetchFeed } from '../../src/feed/fetchFeed.ts';
import { htmlToBriefBody, splitTrailingCredit } from '../../src/feed/htmlToBrief.ts';
import { MAX_HTML_CHARS, MAX_HTML_DEPTH } from '../../src/feed/htmlInline.ts';
import { itemToBrief } from '../../src/feed/itemToBrief.ts';
import { parseFeed } from '../../src/feed/parseFeed.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { feedDeps, rss, type Item, startFeedServer, type FeedServer } from './support.ts';

/**
 * Untrusted text against every pattern and walk that reads it (issue 14,
 * findings 14 and 16): captions, class names and attribute values sized to
 * make the old backtracking regexes run for minutes (a 96 KB caption took
 * 9.7 s), and nesting deep enough to end a recursive walk in a RangeError.
 * The time bounds are behaviour, not benchmarks: a linear scan does each in
 * milliseconds, a quadratic one cannot do them in a second.
 */

const KB300 = 300_000;
const BOUND_MS = 1_000;
const figure = (caption: string) => `<p>Intro.</p><figure><img src="https://img.example/a.jpg" alt="a"><figcaption>${caption}</figcaption></figure>`;

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

/** The HTML of each hostile shape, and what the brief body must still say. */
const shapes: { name: string; html: string; check: (body: ReturnType<typeof htmlToBriefBody>) => void }[] = [
  {
    name: 'a 300 KB caption of sentence ends and capitals, then an agency credit',
    html: figure(`${'A. '.repeat(KB300 / 3)}Kyiv, May 21, 2024. REUTERS/Valentyn Ogirenko`),
    check: (b) => expect(b.image?.credit).toBe('REUTERS/Valentyn Ogirenko'),
  },
  {
    name: 'a 300 KB caption of "Photo:" labels whose credits all run into a parenthesis',
    html: figure(`${'Photo: x '.repeat(KB300 / 9)}(`),
    check: (b) => expect(b.image?.credit).toBeUndefined(),
  },
  {
    name: 'a 300 KB caption of labels ending in a real "(Photo: …)" credit',
    html: figure(`${'Photo: x '.repeat(KB300 / 9)}(Photo: Jane Doe)`),
    check: (b) => expect(b.image?.credit).toBe('Jane Doe'),
  },
  {
    name: 'a 300 KB class attribute of "credit" words on a caption span',
    html: figure(`Troops at the front. <span class="${'credit'.repeat(KB300 / 6)}.">not a credit</span>`),
    check: (b) => expect(b.image).toMatchObject({ caption: 'Troops at the front. not a credit' }),
  },
  {
    name: '20,000 spaces inside bold text',
    html: `<p><b>x${'<span> </span>'.repeat(20_000)}y</b></p>`,
    check: (b) => expect(b.intro).toEqual(['**x y**']),
  },
  {
    name: '300 KB image, link and title attribute values',
    html: `<p title="${'t'.repeat(KB300)}">See <a href="https://x.example/${'a'.repeat(KB300)}">this</a>.</p><img src="https://img.example/${'b'.repeat(KB300)}.jpg">`,
    check: (b) => {
      expect(b.intro).toEqual(['See this.']);
      expect(b.image).toBeUndefined();
    },
  },
];

describe('hostile sizes through the item HTML reader', () => {
  it.each(shapes)('$name: read in under a second, and read right', ({ html, check }) => {
    const { value, ms } = timed(() => htmlToBriefBody(html, 'https://site.example/post/'));
    expect(ms).toBeLessThan(BOUND_MS);
    check(value);
  });

  it('splits captions exactly as the patterns it replaced did, on short captions', () => {
    // The old patterns (quadratic, harmless at this length): the scans must agree on every split.
    const oldSplit = (md: string): [string, string] => {
      for (const p of [
        /^([\s\S]*?)\s*\(?\b(?:Photo|Image|Credit|Photograph)(?:\s+by)?\s*:\s*([^()]+?)\)?\s*$/i,
        /^([\s\S]*?[.!?"”])\s+([A-Z][A-Za-z.&-]*(?:\s[A-Z][A-Za-z.&-]*)*\/[^/]{2,120})$/,
      ]) {
        const m = p.exec(md);
        if (m && m[2]) return [m[1]!.trim(), m[2].replace(/\\(.)/g, '$1').trim()];
      }
      return [md, ''];
    };
    const pieces = ['Photo', 'photo', 'PHOTOGRAPH', 'by', ':', ' ', ' ', '(', ')', 'A', 'a', 'B.', '.', '/', 'REUTERS', 'x', '"', '”', '!', 'Image', 'Credit', '-', '&', '\\*', '1', '_'];
    // Captions as inlineMarkdown makes them: whitespace collapsed and trimmed.
    const caption = fc.array(fc.constantFrom(...pieces), { maxLength: 25 }).map((a) => a.join('').replace(/\s+/g, ' ').trim());
    fc.assert(
      fc.property(caption, (md) => {
        expect(splitTrailingCredit(md)).toEqual(oldSplit(md));
      }),
      { numRuns: 20_000 },
    );
  });
});

const nest = (open: string, depth: number) => `${open.repeat(depth)}deep text`;

describe('deep nesting is a FeedError, never a RangeError', () => {
  it.each(['<div>', '<span>', '<blockquote>', '<ul><li>', '<b>', '<em>', '<table><tr><td>'])('%s nested up to 30,000 deep: FEED_ITEM_TOO_DEEP', (open) => {
    for (const depth of [MAX_HTML_DEPTH + 1, 10_000, 30_000]) {
      const { value: error, ms } = timed(() => {
        try {
          htmlToBriefBody(`<p>x</p>${nest(open, depth)}`);
        } catch (e) {
          return e;
        }
        return undefined;
      });
      expect(error).toBeInstanceOf(FeedError);
      expect((error as FeedError).code).toBe('FEED_ITEM_TOO_DEEP');
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it('reads a post nested exactly MAX_HTML_DEPTH deep', () => {
    expect(htmlToBriefBody(nest('<div>', MAX_HTML_DEPTH)).intro).toEqual(['deep text']);
  });

  it('a deep title, a deep body, XML nested too deep and an oversized body each fail with their own code', () => {
    const item = (over: Partial<Item>): Item => ({ guid: 'g', title: 'T', link: 'https://site.example/p', html: '<p>x</p>', categories: ['Russia'], ...over });
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof FeedError ? e.code : `not a FeedError: ${String(e)}`;
      }
      return 'no error';
    };
    const toBrief = (xml: string) => () => itemToBrief(parseFeed(xml).items[0]!, { title: 'Feed' }, TOPICS);
    // The title is HTML-escaped in the XML; read as HTML, it is 100,000 elements deep.
    expect(codeOf(toBrief(rss([item({ title: nest('<i>', 100_000) })])))).toBe('FEED_ITEM_TOO_DEEP');
    expect(codeOf(toBrief(rss([item({ html: nest('<div>', 100_000) })])))).toBe('FEED_ITEM_TOO_DEEP');
    expect(codeOf(toBrief(rss([item({ html: `<p>${'x'.repeat(MAX_HTML_CHARS)}</p>` })])))).toBe('FEED_ITEM_TOO_LARGE');
    const deepXml = rss([item({})]).replace('<description>', `<description>${'<x>'.repeat(10_000)}${'</x>'.repeat(10_000)}`);
    expect(codeOf(() => parseFeed(deepXml))).toBe('FEED_TOO_DEEP');
  });
});

describe('the API keeps answering while the watcher reads hostile items', () => {
  let h: Harness;
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer();
    h = await createHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await h?.close();
    await server?.close();
  });

  /** GETs /healthz back to back and ticks a timer; the worst wait on either is how long the event loop was blocked. */
  function probe(url: string) {
    let running = true;
    let worstMs = 0;
    let answers = 0;
    const failures: string[] = [];
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      worstMs = Math.max(worstMs, now - last);
      last = now;
    }, 20);
    const loop = (async () => {
      while (running) {
        const start = performance.now();
        try {
          const res = await fetch(url);
          await res.text();
          if (res.status === 200) answers++;
          else failures.push(`status ${res.status}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
        worstMs = Math.max(worstMs, performance.now() - start);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    return async () => {
      running = false;
      await loop;
      clearInterval(ticker);
      return { worstMs, answers, failures };
    };
  }

  it('/healthz answers within a second throughout a poll of 300 KB captions, class names and attributes, and while deep nesting is refused', async () => {
    const port = (h.app.server.address() as AddressInfo).port;
    const path = '/bounds/feed';
    const url = server.url(path);
    server.serve(path, rss([]));
    expect(await pollFeed(feedDeps(h), url)).toMatchObject({ status: 'primed' });

    const items: Item[] = shapes.map((s, i) => ({ guid: `bounds-${i}`, title: `Hostile ${i}`, link: `https://site.example/b${i}`, html: s.html, categories: ['Russia'] }));
    // And a 300 KB attribute value in the XML itself.
    server.serve(path, rss(items).replace('<item>', `<item data-junk="${'a'.repeat(KB300)}">`));
    const deepPath = '/bounds/deep';
    server.serve(deepPath, rss(['<div>', '<span>', '<ul><li>'].map((open, i) => ({ guid: `deep-${i}`, title: 'Deep', link: `https://site.example/d${i}`, html: nest(open, 100_000), categories: ['Russia'] }))));

    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** The deep items through the parser (how poll.ts records them is the lead's part of finding 16). */
    const readDeep = async () => {
      const deep = await fetchFeed(server.url(deepPath), {}, { timeoutMs: 10_000, maxBytes: h.config.feed.maxBytes });
      if (deep.kind !== 'ok') return [];
      return parseFeed(deep.body).items.map((it) => {
        try {
          itemToBrief(it, { title: 'Feed' }, TOPICS);
          return 'read';
        } catch (e) {
          return e instanceof FeedError ? e.code : String(e);
        }
      });
    };
    const stop = probe(`http://127.0.0.1:${port}/healthz`);
    const work = await (async () => {
      await sleep(100);
      const outcome = await pollFeed(feedDeps(h), url);
      const deepCodes = await readDeep();
      await sleep(100);
      return { outcome, deepCodes };
    })().catch((e: unknown) => e);
    const { worstMs, answers, failures } = await stop();
    if (work instanceof Error) throw work;
    console.log(`[bounds] worst /healthz wait or timer gap ${Math.round(worstMs)} ms over ${answers} answers`);
    const { outcome, deepCodes } = work as { outcome: Awaited<ReturnType<typeof pollFeed>>; deepCodes: string[] };

    expect(outcome).toMatchObject({ status: 'polled' });
    if (outcome.status === 'polled') expect(outcome.created.length + outcome.invalid).toBe(items.length);
    expect(deepCodes).toEqual(['FEED_ITEM_TOO_DEEP', 'FEED_ITEM_TOO_DEEP', 'FEED_ITEM_TOO_DEEP']);
    expect(failures).toEqual([]);
    expect(answers).toBeGreaterThan(2);
    expect(worstMs).toBeLessThan(BOUND_MS);
  });
});
