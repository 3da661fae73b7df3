import { describe, expect, it } from 'vitest';
import { readMarkdownBrief } from '../../src/briefs/preview.ts';
import { fixture, TOPICS } from './support.ts';

/** Each error of a Markdown brief lands on the line it concerns, for the editor's gutter. */

const seed = fixture('seed-brief.md');
const lineOf = (src: string, starts: string) => src.split('\n').findIndex((l) => l.startsWith(starts)) + 1;
const errorsOf = (src: string) => {
  const r = readMarkdownBrief(src, TOPICS);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

describe('errors at their lines', () => {
  it('front matter fields: the field\'s line, a list item\'s line, a nested field\'s line, an unknown key\'s line', () => {
    const src = seed
      .replace('publishedAt: 2024-05-30', 'publishedAt: 2024-02-30')
      .replace('  - Russia\n', '  - Atlantis\n')
      .replace('    url: "https://www.atlanticcouncil.org/expert/john-e-herbst/"', '    url: "ftp://example.org/"')
      .replace('series: "Fast Thinking"\n', 'series: "Fast Thinking"\nauthor: "nobody"\n');
    const byField = Object.fromEntries(errorsOf(src).map((e) => [e.field, e.line]));
    expect(byField).toEqual({
      publishedAt: lineOf(src, 'publishedAt:'),
      'topics.2': lineOf(src, '  - Atlantis'),
      'experts.0.url': lineOf(src, '    url: "ftp:'),
      author: lineOf(src, 'author:'),
    });
  });

  it('a missing field goes to the top; body errors name their own lines; YAML syntax errors are counted from the file\'s start', () => {
    expect(errorsOf(seed.replace(/^title: .*\n/m, ''))).toEqual([{ field: 'title', message: 'is required', line: 1 }]);
    const body = seed.replace('## The Kharkiv conundrum\n', '## The Kharkiv conundrum\n\nStray paragraph.\n');
    expect(errorsOf(body)[0]!.line).toBe(lineOf(body, 'Stray paragraph.'));
    const yaml = seed.replace('byline: "Atlantic Council"', 'byline: "Atlantic Council');
    expect(errorsOf(yaml)[0]!.line).toBeGreaterThanOrEqual(lineOf(yaml, 'byline:'));
    const empty = seed.replace(/## The Kharkiv conundrum\n\n(- .*\n(?: {2}.*\n)*)+/, '## The Kharkiv conundrum\n');
    expect(errorsOf(empty)).toEqual([{ field: 'sections.1.bullets', message: 'must have at least one bullet', line: lineOf(empty, '## The Kharkiv') }]);
    const longBullet = seed.replace('- The urgency of the course correction', `- ${'x'.repeat(5_001)}`);
    expect(errorsOf(longBullet)[0]).toMatchObject({ field: 'sections.1.bullets.0', line: lineOf(longBullet, `- xxx`) });
  });
});
