import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { briefToMarkdown, wrap } from '../../src/briefs/markdownWriter.ts';
import { parseMarkdownBrief } from '../../src/briefs/markdown.ts';
import { validateBrief, type Brief } from '../../src/briefs/model.ts';
import { seedBrief, TOPICS } from './support.ts';

/** The edit page shows a stored brief as Markdown: reading that Markdown back must give the same brief. */

const readBack = (md: string): Brief => {
  const parsed = parseMarkdownBrief(md);
  if (!parsed.ok) throw new Error(`unreadable: ${JSON.stringify(parsed.errors)}\n${md}`);
  const valid = validateBrief(parsed.value, TOPICS);
  if (!valid.ok) throw new Error(`invalid: ${JSON.stringify(valid.errors)}\n${md}`);
  return valid.brief;
};

describe('briefToMarkdown', () => {
  it('gives the seed brief back, front matter first and paragraphs wrapped within 78 columns', () => {
    const md = briefToMarkdown(seedBrief());
    expect(readBack(md)).toEqual(seedBrief());
    expect(md.startsWith('---\ntitle: Why the US is giving Ukraine the green light to attack inside Russia\n')).toBe(true);
    const body = md.slice(md.indexOf('\n---\n') + 5);
    for (const line of body.split('\n')) if (!line.includes('](')) expect(line.length, line).toBeLessThanOrEqual(78);
  });

  it('keeps text that looks like Markdown blocks as text: list markers, headings, quotes, rules, numbers', () => {
    const tricky = [
      '- not a bullet', '1. not a list', '# not a heading', '> not a quote', '*** not a rule', '`code` and **bold** stay inline',
      `${'word '.repeat(14)}- dash in the middle ${'word '.repeat(3)}+ plus 2. two # hash > quote === equals ${'end '.repeat(10)}`,
      'yes', 'true: false', '"quoted"', 'ends with a backslash\\',
    ];
    const brief: Brief = {
      ...seedBrief(),
      title: 'true: a title with: colons',
      byline: 'null',
      intro: tricky,
      sections: [{ heading: 'A heading ending in #', bullets: tricky }],
    };
    const back = readBack(briefToMarkdown(brief));
    expect(back.title).toBe(brief.title);
    expect(back.byline).toBe('null');
    expect(back.sections[0]!.heading).toBe('A heading ending in #');
    expect(back.intro).toHaveLength(tricky.length);
    expect(back.sections[0]!.bullets).toHaveLength(tricky.length);
    // A leading block marker is escaped (rendered the same); everything else comes back as it was.
    expect(back.intro.slice(5)).toEqual(tricky.slice(5).map((t) => t.replace(/\s+/g, ' ').trim()));
  });

  it('round-trips generated briefs (fast-check): same number of paragraphs and bullets, same words', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9“”’,.!?*#>+=`~_-]{1,12}$/);
    const text = fc.array(word, { minLength: 1, maxLength: 40 }).map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), fc.array(fc.array(text, { minLength: 1, maxLength: 4 }), { maxLength: 3 }), (intro, sections) => {
        const brief: Brief = { ...seedBrief(), intro, sections: sections.map((bullets, i) => ({ heading: `Section ${i}`, bullets })) };
        const valid = validateBrief(brief, TOPICS);
        fc.pre(valid.ok);
        const back = readBack(briefToMarkdown((valid as { brief: Brief }).brief));
        expect(back.intro).toHaveLength(intro.length);
        expect(back.sections.map((s) => s.bullets.length)).toEqual(sections.map((s) => s.length));
        const words = (list: string[]) => list.join(' ').replace(/\\/g, '').split(/\s+/).filter(Boolean);
        expect(words(back.intro)).toEqual(words(intro));
      }),
      { numRuns: 200 },
    );
  });

  it('never breaks a line where the next line would open a block', () => {
    const wrapped = wrap(`${'x'.repeat(70)} - y > z 1. w`, '', '', 72);
    for (const line of wrapped.split('\n').slice(1)) expect(line).not.toMatch(/^(?:[-+*>]|\d+\.)(?:\s|$)/);
  });
});
