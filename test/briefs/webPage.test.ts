import { describe, expect, it } from 'vitest';
import { renderWebPage } from '../../src/briefs/webPage.ts';
import { inlineToText } from '../../src/briefs/inline.ts';
import { OPTS, seedBrief, visibleText } from './support.ts';

describe('renderWebPage', () => {
  const brief = seedBrief();
  const html = renderWebPage(brief, OPTS);

  it('is an HTML5 page with the whole brief', () => {
    expect(html).toMatch(/^<!doctype html>\s*<html lang="en">/i);
    expect(html).toContain(`<h1>${brief.title}</h1>`);
    expect(html).toContain('<time datetime="2024-05-30">May 30, 2024</time>');
    const seen = visibleText(html);
    for (const s of brief.sections) {
      expect(html).toContain(`<h2>${s.heading}</h2>`);
      for (const b of s.bullets) expect(seen).toContain(inlineToText(b));
    }
    expect(seen).toContain('John E. Herbst');
    expect(seen).toContain('REUTERS/Valentyn Ogirenko');
    expect(html).toContain(`<link rel="canonical" href="${brief.url}">`);
  });

  it('links to /subscribe and carries no personal links', () => {
    expect(html).toContain(`href="${OPTS.publicUrl}/subscribe"`);
    expect(html).not.toMatch(/bwslot-|unsubscribe\/|preferences\//i);
  });
});
