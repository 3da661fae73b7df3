import { describe, expect, it } from 'vitest';
import { parseMarkdownBrief } from '../../src/briefs/markdown.ts';
import { validateBrief } from '../../src/briefs/model.ts';
import { TOPICS, fixture, seedBrief } from './support.ts';

const FRONT = `---
title: A brief
publishedAt: 2024-05-30
byline: Atlantic Council
url: https://example.org/brief
topics: [Russia]
---
`;

function parse(body: string, front = FRONT) {
  return parseMarkdownBrief(front + body);
}

function value(body: string): Record<string, unknown> {
  const r = parse(body);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value as Record<string, unknown>;
}

describe('parseMarkdownBrief', () => {
  it('reads the seed brief into the same brief as the JSON fixture', () => {
    for (const src of [fixture('seed-brief.md'), fixture('seed-brief.md').replace(/\n/g, '\r\n')]) {
      const r = parseMarkdownBrief(src);
      expect(r.ok).toBe(true);
      const v = validateBrief(r.ok ? r.value : null, TOPICS);
      expect(v.ok && v.brief).toEqual(seedBrief());
    }
  });

  it('keeps inline Markdown source and joins wrapped bullets', () => {
    const v = value(`Intro with **bold** and a [link](https://example.org).

Second *intro*
paragraph.

## First

- one **strong**
  continued here
- two [x](https://a.org)

## Second
* three
`);
    expect(v.intro).toEqual(['Intro with **bold** and a [link](https://example.org).', 'Second *intro* paragraph.']);
    expect(v.sections).toEqual([
      { heading: 'First', bullets: ['one **strong** continued here', 'two [x](https://a.org)'] },
      { heading: 'Second', bullets: ['three'] },
    ]);
  });

  it('keeps raw HTML as text (never as a block of HTML)', () => {
    const v = value(`<script>alert(1)</script>

## S

- <img src=x onerror=alert(1)>
`);
    expect(v.intro).toEqual(['<script>alert(1)</script>']);
    expect((v.sections as { bullets: string[] }[])[0].bullets).toEqual(['<img src=x onerror=alert(1)>']);
  });

  it('explains structure it cannot map, with line numbers', () => {
    const r = parse(`Intro.

# Big heading

## S

A loose paragraph.

1. numbered
`);
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors;
    expect(errors.map((e) => e.field)).toEqual(['sections', 'sections.0', 'sections.0']);
    expect(errors[0].message).toMatch(/line 10: only "## " headings/);
    expect(errors[1].message).toMatch(/must be "- " bullets/);
    expect(errors[2].message).toMatch(/numbered list/);
  });

  it('rejects bullets before any section and nested lists', () => {
    const r = parse(`- stray\n\n## S\n\n- a\n  - nested\n`);
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['intro', 'sections.0']);
  });

  it('requires front matter and reports YAML errors', () => {
    expect(parseMarkdownBrief('# no front matter').ok).toBe(false);
    expect(parseMarkdownBrief('---\ntitle: x\n').ok).toBe(false);
    const bad = parseMarkdownBrief('---\ntitle: [unclosed\n---\nbody');
    expect(bad.ok ? [] : bad.errors[0].field).toBe('frontMatter');
    const dup = parseMarkdownBrief('---\ntitle: a\ntitle: b\n---\nbody');
    expect(dup.ok).toBe(false);
  });

  it('keeps intro and sections out of the front matter', () => {
    const r = parse('Body.', `---\ntitle: x\nintro: [sneaky]\n---\n`);
    expect(r.ok ? [] : r.errors).toEqual([{ field: 'intro', message: 'goes in the Markdown body, not the front matter' }]);
  });

  it('turns a __proto__ front-matter key into a rejected field, not a prototype', () => {
    const r = parse('Intro.\n\n## S\n\n- b\n', `${FRONT.slice(0, -4)}__proto__:\n  polluted: true\n---\n`);
    expect(r.ok).toBe(true);
    const v = validateBrief(r.ok ? r.value : null, TOPICS);
    expect(v.ok ? [] : v.errors.map((e) => e.field)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws on odd input', () => {
    for (const src of ['', '---', '---\n---', '---\n- a list\n---\n', '\u0000'.repeat(10), 'x'.repeat(3_000_000), 42 as unknown as string]) {
      expect(() => parseMarkdownBrief(src)).not.toThrow();
    }
    const aliases = '---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n---\n';
    expect(parseMarkdownBrief(aliases).ok).toBe(false);
  });
});
