import { mkdtempSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GMAIL_CLIP_BYTES,
  compileBrief,
  compileBriefCached,
  mjmlRenderCount,
  renderMjml,
} from '../../src/briefs/compile.ts';
import { DEFAULT_TEMPLATES_DIR } from '../../src/briefs/templates.ts';
import { validateBrief } from '../../src/briefs/model.ts';
import { parseMarkdownBrief } from '../../src/briefs/markdown.ts';
import { inlineToText } from '../../src/briefs/inline.ts';
import { OPTS, TOPICS, briefInput, fixture, flat, seedBrief, visibleText } from './support.ts';

describe('compileBrief with the seed brief', async () => {
  const brief = seedBrief();
  const compiled = await compileBrief(brief, OPTS);
  const seen = visibleText(compiled.html);
  const text = flat(compiled.text);

  it('has the title as a one-line subject and a real h1', () => {
    expect(compiled.subject).toBe('Why the US is giving Ukraine the green light to attack inside Russia');
    expect(compiled.html).toContain(`<h1>${compiled.subject}</h1>`);
    expect(compiled.html).toMatch(/<html lang="en"/);
    expect(compiled.html).toContain('name="color-scheme"');
    expect(compiled.html).toContain('prefers-color-scheme: dark');
  });

  it('renders every heading, bullet, the expert, caption and credit in HTML and text', () => {
    const pieces = [
      'May 30, 2024',
      'Atlantic Council',
      ...brief.intro.map(inlineToText),
      ...brief.sections.flatMap((s) => [s.heading, ...s.bullets.map(inlineToText)]),
      'John E. Herbst',
      inlineToText(brief.image!.caption!),
      'REUTERS/Valentyn Ogirenko',
    ];
    expect(pieces).toHaveLength(2 + 1 + 2 + 7 + 3);
    for (const p of pieces) {
      expect(seen).toContain(p);
      expect(text).toContain(p);
    }
    for (const s of brief.sections) expect(compiled.html).toContain(`<h2>${s.heading}</h2>`);
    expect(compiled.html.match(/<li>/g)).toHaveLength(7);
    expect(text.match(/ - /g)?.length ?? 0).toBeGreaterThanOrEqual(7);
  });

  it('links the expert, the image with alt text, the brief and the web version', () => {
    expect(compiled.html).toContain('href="https://www.atlanticcouncil.org/expert/john-e-herbst/"');
    expect(compiled.html).toContain(`alt="${brief.image!.alt}"`);
    expect(compiled.html).toContain(`src="${brief.image!.url}"`);
    expect(compiled.html).toContain(`href="${brief.url}"`);
    expect(seen).toContain('Read on the web');
    const web = `${OPTS.publicUrl}/briefs/2024-05-30-us-green-light-strikes-inside-russia`;
    expect(compiled.html).toContain(`href="${web}"`);
    expect(compiled.text).toContain(`View in browser: ${web}`);
    expect(compiled.text).toContain(`Read on the web: ${brief.url}`);
    expect(text).toContain('John E. Herbst (https://www.atlanticcouncil.org/expert/john-e-herbst/)');
  });

  it('has a footer with why, the slots and the postal address in both parts', () => {
    for (const part of [seen, text]) {
      expect(part).toContain('You are receiving this because you subscribed to Fast Thinking alerts');
      expect(part).toContain('Conflict, Defense Technologies, Russia, Ukraine, United States and Canada');
      expect(part).toContain(OPTS.postalAddress);
      expect(part).toContain(compiled.slots.email);
    }
    expect(compiled.html).toContain(`href="${compiled.slots.unsubscribeUrl}"`);
    expect(compiled.html).toContain(`href="${compiled.slots.preferencesUrl}"`);
    expect(compiled.text).toContain(`Unsubscribe: ${compiled.slots.unsubscribeUrl}`);
    expect(compiled.text).toContain(`Update your preferences: ${compiled.slots.preferencesUrl}`);
  });

  it('uses unique [a-z0-9-] placeholders per compile', async () => {
    for (const p of Object.values(compiled.slots)) expect(p).toMatch(/^bwslot-[0-9a-f]{8}-[a-z]+$/);
    const again = await compileBrief(brief, OPTS);
    expect(again.slots.email).not.toBe(compiled.slots.email);
    expect(again.templateHash).toBe(compiled.templateHash);
    expect(compiled.templateHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is small, with no warnings, and wraps the text part', () => {
    expect(compiled.warnings).toEqual([]);
    expect(compiled.htmlBytes).toBe(Buffer.byteLength(compiled.html));
    expect(compiled.htmlBytes).toBeLessThan(GMAIL_CLIP_BYTES);
    for (const line of compiled.text.split('\n')) {
      if (!/https?:\/\/|bwslot-/.test(line)) expect(line.length).toBeLessThanOrEqual(76);
    }
  });

  it('gives the same email for the Markdown and JSON forms', async () => {
    const md = parseMarkdownBrief(fixture('seed-brief.md'));
    const v = validateBrief(md.ok ? md.value : null, TOPICS);
    expect(v.ok).toBe(true);
    const fromMd = await compileBrief(v.ok ? v.brief : brief, OPTS);
    const strip = (s: string, c: typeof compiled) => Object.values(c.slots).reduce((acc, p) => acc.split(p).join('SLOT'), s);
    expect(strip(fromMd.html, fromMd)).toBe(strip(compiled.html, compiled));
    expect(strip(fromMd.text, fromMd)).toBe(strip(compiled.text, compiled));
  });
});

describe('MJML strict mode', () => {
  it('throws TEMPLATE_INVALID for a broken template', async () => {
    const broken = '<mjml><mj-body><mj-section><mj-text>text directly in a section</mj-text></mj-section></mj-body></mjml>';
    await expect(renderMjml(broken)).rejects.toMatchObject({ code: 'TEMPLATE_INVALID', message: /mj-text/ });
    await expect(renderMjml('<mjml><mj-body><mj-column foo="bar"></mj-column></mj-body></mjml>')).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID',
    });
    await expect(renderMjml('not mjml at all')).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
  });

  it('fails compileBrief for a designer mistake in a template file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-templates-'));
    cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
    const file = join(dir, 'brief.mjml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('<mj-button ', '<mj-buton '));
    await expect(compileBrief(seedBrief(), { ...OPTS, templatesDir: dir })).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
    writeFileSync(file, '{{#if}}');
    await expect(compileBrief(seedBrief(), { ...OPTS, templatesDir: dir })).rejects.toMatchObject({ code: 'TEMPLATE_INVALID' });
  });

  it('refuses a template without the unsubscribe link', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bw-templates-'));
    cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
    const footer = join(dir, 'partials', 'footer.mjml');
    writeFileSync(footer, readFileSync(footer, 'utf8').replace('{{slots.unsubscribeUrl}}', 'https://example.org'));
    await expect(compileBrief(seedBrief(), { ...OPTS, templatesDir: dir })).rejects.toMatchObject({
      code: 'TEMPLATE_INVALID',
      message: /unsubscribe/,
    });
  });
});

describe('size warning', () => {
  it('warns when the HTML would be clipped by Gmail', async () => {
    const bullet = 'A long bullet with **some emphasis** and a [link](https://example.org/x). '.repeat(8);
    const sections = Array.from({ length: 20 }, (_, i) => ({ heading: `Section ${i + 1}`, bullets: Array(8).fill(bullet) }));
    const v = validateBrief(briefInput({ sections }), TOPICS);
    expect(v.ok).toBe(true);
    const big = await compileBrief(v.ok ? v.brief : seedBrief(), OPTS);
    expect(big.htmlBytes).toBeGreaterThan(GMAIL_CLIP_BYTES);
    expect(big.warnings.join(' ')).toMatch(/Gmail clips/);
  });
});

describe('compileBriefCached', () => {
  it('renders once per brief version and shares concurrent callers', async () => {
    const brief = seedBrief();
    const version = `v-${Math.random()}`;
    const before = mjmlRenderCount();
    const [a, b] = await Promise.all([compileBriefCached(brief, version, OPTS), compileBriefCached(brief, version, OPTS)]);
    const c = await compileBriefCached(brief, version, OPTS);
    expect(mjmlRenderCount() - before).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    await compileBriefCached(brief, `${version}-2`, OPTS);
    expect(mjmlRenderCount() - before).toBe(2);
  });
});
