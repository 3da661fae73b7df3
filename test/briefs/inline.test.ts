import { describe, expect, it } from 'vitest';
import { inlineToHtml, inlineToText } from '../../src/briefs/inline.ts';

describe('inline Markdown', () => {
  it('renders emphasis and web links with rel="noopener"', () => {
    expect(inlineToHtml('**b** *e* [l](https://x.org/?a=1&b=2)')).toBe(
      '<strong>b</strong> <em>e</em> <a href="https://x.org/?a=1&amp;b=2" rel="noopener">l</a>',
    );
    expect(inlineToHtml('[m](mailto:a@b.org)')).toBe('<a href="mailto:a@b.org" rel="noopener">m</a>');
  });

  it('drops unsafe links and raw HTML', () => {
    for (const src of ['[x](javascript:alert(1))', '[x](data:text/html,hi)', '[x](/relative)', '<javascript:alert(1)>', '[x](vbscript:x)']) {
      expect(inlineToHtml(src)).not.toContain('<a');
    }
    expect(inlineToHtml('<b>hi</b>')).toBe('&lt;b&gt;hi&lt;/b&gt;');
    expect(inlineToHtml('![img](https://x.org/p.png)')).not.toContain('<img');
  });

  it('writes plain text with links spelled out', () => {
    expect(inlineToText('**bold** and *em* [site](https://x.org)')).toBe('bold and em site (https://x.org)');
    expect(inlineToText('<https://x.org>')).toBe('https://x.org');
    expect(inlineToText('a &amp; b')).toBe('a & b');
  });
});
