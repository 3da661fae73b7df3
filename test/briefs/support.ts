import { readFileSync } from 'node:fs';
import { validateBrief, type Brief } from '../../src/briefs/model.ts';

/** Shared by the brief tests: the configured topics, the seed fixtures, and an HTML-to-visible-text helper. */

export const TOPICS = ['Conflict', 'Defense Technologies', 'Russia', 'Ukraine', 'United States and Canada'] as const;

export const OPTS = {
  publicUrl: 'https://briefs.example.org',
  postalAddress: 'Atlantic Council, 1400 L Street NW, Washington, DC 20005, USA',
};

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

export function seedJson(): Record<string, unknown> {
  return JSON.parse(fixture('seed-brief.json')) as Record<string, unknown>;
}

export function seedBrief(): Brief {
  const r = validateBrief(seedJson(), TOPICS);
  if (!r.ok) throw new Error(`seed fixture invalid: ${JSON.stringify(r.errors)}`);
  return r.brief;
}

/** A valid brief with overrides, for building bad or hostile variants. */
export function briefInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...seedJson(), ...overrides };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', middot: '·' };

/** Roughly what a reader sees: no head, comments or tags, entities decoded, whitespace collapsed. */
export function visibleText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/i, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()] ?? m;
    })
    .replace(/\s+/g, ' ');
}

/** Plain text with wrapping undone, to look for whole sentences. */
export function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}
