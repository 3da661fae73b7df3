import { describe, expect, it } from 'vitest';
import { htmlToBriefBody } from '../../src/feed/htmlToBrief.ts';
import { itemToBrief, mapTopics } from '../../src/feed/itemToBrief.ts';
import { parseFeed } from '../../src/feed/parseFeed.ts';
import { inlineToHtml } from '../../src/briefs/inline.ts';
import { TOPICS } from '../support/harness.ts';
import { atom, rss, seed, seedHtml, seedItem } from './support.ts';

describe('feed item HTML to a brief', () => {
  it('maps the seed post: intro, h2 sections with their bullets, figure with caption and credit', () => {
    const b = seed();
    const body = htmlToBriefBody(seedHtml(b), b.url);
    expect(body.intro).toEqual(b.intro);
    expect(body.sections).toEqual(b.sections);
    expect(body.image).toEqual(b.image);
  });

  it('reads RSS and Atom alike into a valid brief: categories to configured topics, author to byline, link to url', () => {
    for (const xml of [rss([seedItem()]), atom([seedItem()])]) {
      const feed = parseFeed(xml);
      expect(feed.items).toHaveLength(1);
      const r = itemToBrief(feed.items[0]!, feed, TOPICS);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      const b = seed();
      expect(r.brief).toMatchObject({ title: b.title, url: b.url, byline: 'Atlantic Council', publishedAt: '2024-05-30', topics: b.topics, sections: b.sections, intro: b.intro });
    }
  });

  it('decodes the numeric references feeds leave in titles, authors and categories', () => {
    const xml = rss([{ ...seedItem(), title: 'Why the US&#8217;s move &#8211; and AT&T', author: 'Jane&#160;Doe', categories: ['Defense&#32;Technologies'] }]);
    const feed = parseFeed(xml.replace('<title>Why the US&amp;#8217;s', '<title>Why the US&#8217;s'));
    const r = itemToBrief(feed.items[0]!, feed, TOPICS);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.brief).toMatchObject({ title: 'Why the US’s move – and AT&T', byline: 'Jane Doe', topics: ['Defense Technologies'] });
  });

  it('drops unknown categories and matches known ones without regard to case', () => {
    expect(mapTopics(['russia', 'New Atlanticist', ' Ukraine ', 'Fast Thinking'], TOPICS)).toEqual(['Russia', 'Ukraine']);
  });

  it('keeps emphasis and web links as inline Markdown, escaping Markdown characters in the text', () => {
    const body = htmlToBriefBody('<p>A <strong>bold</strong> and <em>em</em> <a href="/rel?a=(1)">link</a>, 2*3 [x] `y` &lt;z&gt;</p>', 'https://site.example/post/');
    expect(body.intro).toEqual(['A **bold** and *em* [link](https://site.example/rel?a=%281%29), 2\\*3 \\[x\\] \\`y\\` \\<z\\>']);
    expect(inlineToHtml(body.intro[0]!)).toBe(
      'A <strong>bold</strong> and <em>em</em> <a href="https://site.example/rel?a=%281%29" rel="noopener">link</a>, 2*3 [x] `y` &lt;z&gt;',
    );
  });

  it('splits a plain-text agency credit off the end of a caption', () => {
    const body = htmlToBriefBody('<p>x</p><figure><img src="https://i.example/a.jpg" alt="a"><figcaption>Troops at the front, May 21, 2024. REUTERS/Valentyn Ogirenko</figcaption></figure>');
    expect(body.image).toEqual({ url: 'https://i.example/a.jpg', alt: 'a', caption: 'Troops at the front, May 21, 2024.', credit: 'REUTERS/Valentyn Ogirenko' });
  });

  it('turns hostile markup into inert text: no script, no handlers, no javascript: links', () => {
    const body = htmlToBriefBody(
      `<p>Hi<script>alert(1)</script> <img src=x onerror=alert(1)> <a href="javascript:alert(1)">click</a> <a href=" JaVaScRiPt:alert(2)">two</a> <a href="data:text/html,x">d</a></p>
       <h2 onclick="alert(1)">Head<style>body{}</style></h2><ul><li onmouseover="alert(1)">b <iframe src="https://evil.example"></iframe><svg><script>alert(3)</script></svg></li></ul>
       <figure><img src="javascript:alert(1)" alt="x"></figure>`,
    );
    expect(body).toEqual({ intro: ['Hi click two d'], sections: [{ heading: 'Head', bullets: ['b'] }] });
  });

  it('passes the text of markup-like words through as escaped text', () => {
    const body = htmlToBriefBody('<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>');
    expect(body.intro).toEqual(['\\<script\\>alert(1)\\</script\\> \\[x\\](javascript:alert(1))']);
    expect(inlineToHtml(body.intro[0]!)).toBe('&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))');
  });
});
