import { describe, expect, it } from 'vitest';
import { compileBrief, mjmlRenderCount } from '../../src/briefs/compile.ts';
import { fillSplice, htmlSafeValues, prepareSplice } from '../../src/briefs/splice.ts';
import { personalize, prepareCompiled } from '../../src/briefs/personalize.ts';
import { OPTS, seedBrief } from './support.ts';

describe('splice', () => {
  it('splits once and fills by slot name, including repeated and adjacent slots', () => {
    const t = prepareSplice('a[X]b[Y][X]c', { x: '[X]', y: '[Y]' });
    expect(t.parts).toEqual(['a', 'b', '', 'c']);
    expect(t.names).toEqual(['x', 'y', 'x']);
    expect(fillSplice(t, { x: '1', y: '2' })).toBe('a1b21c');
    expect(fillSplice(prepareSplice('none here', { x: '[X]' }), { x: '1' })).toBe('none here');
  });

  it('inserts values literally ($& and friends are not special)', () => {
    const t = prepareSplice('<[X]>', { x: '[X]' });
    expect(fillSplice(t, { x: "$& $1 $' \\" })).toBe("<$& $1 $' \\>");
  });

  it('throws SLOT_MISSING for a missing value', () => {
    expect(() => fillSplice(prepareSplice('[X]', { x: '[X]' }), {})).toThrow(expect.objectContaining({ code: 'SLOT_MISSING' }));
  });

  it('escapes values for HTML attributes and text', () => {
    expect(htmlSafeValues({ a: `<a href="x">'&'</a>` })).toEqual({ a: '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;' });
  });
});

describe('one render, many recipients', () => {
  it('compiles once and fills 100 recipients without another MJML render', async () => {
    const before = mjmlRenderCount();
    const compiled = await compileBrief(seedBrief(), OPTS);
    const prepared = prepareCompiled(compiled);
    const placeholders = Object.values(compiled.slots);
    for (let i = 0; i < 100; i++) {
      const values = {
        email: `reader${i}@example.org`,
        unsubscribeUrl: `${OPTS.publicUrl}/unsubscribe/tok${i}?a=1&b=2`,
        preferencesUrl: `${OPTS.publicUrl}/preferences/tok${i}`,
      };
      const { html, text } = personalize(prepared, values);
      expect(html).toContain(`href="${OPTS.publicUrl}/unsubscribe/tok${i}?a=1&amp;b=2"`);
      expect(html).toContain(`href="${values.preferencesUrl}"`);
      expect(html).toContain(values.email);
      expect(text).toContain(`Unsubscribe: ${values.unsubscribeUrl}`);
      expect(text).toContain(`Update your preferences: ${values.preferencesUrl}`);
      expect(text).toContain(values.email);
      expect(html).not.toContain(`tok${i + 1}`);
      for (const p of placeholders) {
        expect(html).not.toContain(p);
        expect(text).not.toContain(p);
      }
      expect(html).not.toContain('bwslot-');
    }
    expect(mjmlRenderCount() - before).toBe(1);
  });

  it('fills fast: microseconds per recipient', async () => {
    const prepared = prepareCompiled(await compileBrief(seedBrief(), OPTS));
    const values = { email: 'a@example.org', unsubscribeUrl: 'https://x/u', preferencesUrl: 'https://x/p' };
    const start = performance.now();
    for (let i = 0; i < 2_000; i++) personalize(prepared, values);
    const perRecipientMs = (performance.now() - start) / 2_000;
    expect(perRecipientMs).toBeLessThan(1);
  });
});
