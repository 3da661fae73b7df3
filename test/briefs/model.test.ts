import { describe, expect, it } from 'vitest';
import { LIMITS, slugFor, validateBrief } from '../../src/briefs/model.ts';
import { TOPICS, briefInput, seedBrief } from './support.ts';

function errorsFor(input: unknown): { field: string; message: string }[] {
  const r = validateBrief(input, TOPICS);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

function fields(input: unknown): string[] {
  return errorsFor(input).map((e) => e.field);
}

describe('validateBrief', () => {
  it('accepts the seed brief and fills defaults', () => {
    const b = seedBrief();
    expect(b.series).toBe('Fast Thinking');
    expect(b.sections).toHaveLength(2);
    const { series: _s, experts: _e, ...rest } = briefInput();
    const r = validateBrief(rest, TOPICS);
    expect(r.ok && r.brief.series).toBe('Fast Thinking');
    expect(r.ok && r.brief.experts).toEqual([]);
  });

  it('names a missing title', () => {
    const { title: _t, ...rest } = briefInput();
    expect(errorsFor(rest)).toEqual([{ field: 'title', message: 'is required' }]);
  });

  it('rejects dates that are not real YYYY-MM-DD dates', () => {
    for (const publishedAt of ['2024-02-30', '2024-13-01', '30/05/2024', '2024-5-30', '', 20240530]) {
      expect(fields(briefInput({ publishedAt }))).toEqual(['publishedAt']);
    }
  });

  it('rejects an unknown topic and an empty topic list', () => {
    expect(fields(briefInput({ topics: ['Russia', 'Cooking'] }))).toEqual(['topics.1']);
    expect(errorsFor(briefInput({ topics: ['Cooking'] }))[0].message).toContain('Conflict');
    expect(fields(briefInput({ topics: [] }))).toEqual(['topics']);
  });

  it('rejects non-web URLs in every URL field', () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', '/relative', 'https://', ' javascript:alert(1)', 'http://a b.org/']) {
      expect(fields(briefInput({ url: bad }))).toEqual(['url']);
      expect(fields(briefInput({ experts: [{ name: 'X', url: bad }] }))).toEqual(['experts.0.url']);
      expect(fields(briefInput({ image: { url: bad, alt: 'a' } }))).toEqual(['image.url']);
    }
  });

  it('stores URLs in parsed form, so quotes and brackets are percent-encoded', () => {
    const r = validateBrief(briefInput({ url: 'https://example.org/a?q="x"<y>' }), TOPICS);
    expect(r.ok && r.brief.url).toBe('https://example.org/a?q=%22x%22%3Cy%3E');
  });

  it('names wrongly typed fields with dotted paths', () => {
    const errs = errorsFor(
      briefInput({ title: 42, intro: 'not a list', sections: [{ heading: ['x'], bullets: [1] }], experts: [{}] }),
    );
    const byField = Object.fromEntries(errs.map((e) => [e.field, e.message]));
    expect(byField.title).toBe('must be a string, not number');
    expect(byField.intro).toBe('must be a list, not string');
    expect(byField['sections.0.heading']).toBe('must be a string, not a list');
    expect(byField['sections.0.bullets.0']).toBe('must be a string, not number');
    expect(byField['experts.0.name']).toBe('is required');
  });

  it('rejects non-objects as a whole', () => {
    for (const input of [null, undefined, 'brief', 7, [], true]) {
      expect(errorsFor(input)).toEqual([{ field: '', message: 'brief must be a JSON object' }]);
    }
  });

  it('rejects unknown keys, including __proto__, without polluting prototypes', () => {
    const input = JSON.parse(JSON.stringify(briefInput()).replace(/^\{/, '{"__proto__":{"polluted":true},"colour":"red",'));
    expect(fields(input).sort()).toEqual(['__proto__', 'colour']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const nested = JSON.parse(JSON.stringify(briefInput()).replace('"heading"', '"__proto__":1,"heading"'));
    expect(fields(nested)).toEqual(['sections.0.__proto__']);
  });

  it('rejects control characters in one-line fields', () => {
    expect(fields(briefInput({ title: 'Hello\r\nBcc: victim@example.org' }))).toEqual(['title']);
    expect(fields(briefInput({ byline: 'a\u0000b' }))).toEqual(['byline']);
    expect(fields(briefInput({ sections: [{ heading: 'a\nb', bullets: ['ok'] }] }))).toEqual(['sections.0.heading']);
    expect(fields(briefInput({ intro: ['nul \u0000 here'] }))).toEqual(['intro.0']);
  });

  it('caps sizes and survives huge input without throwing', () => {
    const huge = 'x'.repeat(5_000_000);
    expect(fields(briefInput({ title: huge }))).toEqual(['title']);
    expect(fields(briefInput({ intro: [huge] }))).toEqual(['intro.0']);
    const many = Array.from({ length: LIMITS.sections + 1 }, (_, i) => ({ heading: `h${i}`, bullets: ['b'] }));
    expect(fields(briefInput({ sections: many }))).toEqual(['sections']);
    const tooMuch = Array.from({ length: 40 }, (_, i) => ({ heading: `h${i}`, bullets: Array(40).fill('y'.repeat(4_000)) }));
    expect(errorsFor(briefInput({ sections: tooMuch }))[0].message).toMatch(/too large/);
  });

  it('never throws, even on hostile objects', () => {
    const hostile = new Proxy({}, { get() { throw new Error('boom'); }, ownKeys() { throw new Error('boom'); } });
    expect(() => validateBrief(hostile, TOPICS)).not.toThrow();
    expect(validateBrief(hostile, TOPICS).ok).toBe(false);
  });

  it('checks the optional slug', () => {
    expect(fields(briefInput({ slug: 'Has Spaces' }))).toEqual(['slug']);
    expect(fields(briefInput({ slug: '../etc' }))).toEqual(['slug']);
  });
});

describe('slugFor', () => {
  it('builds a date-first slug of at most 80 characters', () => {
    const { slug: _s, ...rest } = seedBrief();
    expect(slugFor(rest)).toBe('2024-05-30-why-the-us-is-giving-ukraine-the-green-light-to-attack-inside-russia');
    const long = slugFor({ publishedAt: '2024-05-30', title: 'Ünïcode & “quotes”: '.repeat(20) });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^2024-05-30-unicode-quotes(-[a-z0-9]+)*$/);
  });

  it('uses the given slug', () => {
    expect(slugFor(seedBrief())).toBe('2024-05-30-us-green-light-strikes-inside-russia');
  });
});
