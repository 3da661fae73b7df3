import { describe, expect, it } from 'vitest';
import { compileBrief } from '../../src/briefs/compile.ts';
import { parseMarkdownBrief } from '../../src/briefs/markdown.ts';
import { validateBrief, type Brief } from '../../src/briefs/model.ts';
import { renderWebPage } from '../../src/briefs/webPage.ts';
import { personalize, prepareCompiled } from '../../src/briefs/personalize.ts';
import { OPTS, TOPICS, briefInput } from './support.ts';

/** Markup an attacker would need: a script tag, an event-handler attribute, a javascript: link. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+\s*=/i); // onerror=, onload=, ... inside a tag
  expect(html).not.toMatch(/<img[^>]*src=["']?x\b/i); // no injected <img>
  expect(html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):/i);
}

const P = `<script>alert(1)</script> "onload=alert(1) ' <img src=x onerror=alert(1)> [click](javascript:alert(1)) <javascript:alert(1)>`;

function hostileBrief(): Brief {
  const v = validateBrief(
    briefInput({
      title: `T ${P}`.slice(0, 300),
      series: `S <script>alert(1)</script>"onload=alert(1)`,
      byline: `B ${P}`,
      url: 'https://example.org/a?"onmouseover="alert(1)&x=<script>',
      intro: [`I ${P}`, '[ok](https://example.org) [data](data:text/html;base64,PHNjcmlwdD4=)'],
      sections: [{ heading: `H ${P}`, bullets: [`b ${P}`, '**[x](JAVASCRIPT:alert(1))**'] }],
      experts: [{ name: `E ${P}`, url: 'https://e.org/"onerror="alert(1)' }],
      image: { url: 'https://i.org/x.jpg"onerror="alert(1)', alt: `A ${P}`, caption: `C ${P}`, credit: `K ${P}` },
      preheader: `PH <script>alert(1)</script>`,
    }),
    TOPICS,
  );
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.brief;
}

describe('hostile brief text', () => {
  it('is inert in the compiled email, the filled email and the web page', async () => {
    const brief = hostileBrief();
    const compiled = await compileBrief(brief, { ...OPTS, postalAddress: `Addr ${P}` });
    expectInert(compiled.html);
    const filled = personalize(prepareCompiled(compiled), {
      email: '"><script>alert(1)</script>@example.org',
      unsubscribeUrl: 'https://x.org/u/"onmouseover="alert(1)',
      preferencesUrl: 'https://x.org/p/<script>',
    });
    expectInert(filled.html);
    expectInert(renderWebPage(brief, { publicUrl: OPTS.publicUrl, postalAddress: `Addr ${P}` }));
    // The words are still there for the reader, as text.
    expect(compiled.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(compiled.html).toContain('href="https://example.org"');
  });

  it('keeps the subject on one line', async () => {
    const compiled = await compileBrief(hostileBrief(), OPTS);
    expect(compiled.subject).not.toMatch(/[\r\n]/);
  });
});

describe('raw HTML in Markdown briefs', () => {
  it('is escaped in the email, never rendered as a tag', async () => {
    const src = `---
title: Raw HTML
publishedAt: 2024-05-30
byline: Someone
url: https://example.org/raw
topics: [Russia]
---

<script>alert(1)</script>

<div onclick="alert(1)">block html</div>

## Section

- <img src=x onerror=alert(1)> inline
- [js](javascript:alert(1)) and <b onmouseover="alert(1)">bold</b>
`;
    const parsed = parseMarkdownBrief(src);
    expect(parsed.ok).toBe(true);
    const v = validateBrief(parsed.ok ? parsed.value : null, TOPICS);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    const compiled = await compileBrief(v.brief, OPTS);
    expectInert(compiled.html);
    expect(compiled.html).not.toMatch(/<div onclick/i);
    expect(compiled.html).not.toMatch(/<b onmouseover/i);
    expect(compiled.html).toContain('&lt;img src=x onerror=alert(1)&gt; inline');
    expectInert(renderWebPage(v.brief, OPTS));
  });
});
