import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { parseDocument } from 'yaml';
import type { FieldError } from './errors.ts';

/**
 * The Markdown form editors write (DESIGN.md "Brief formats"): YAML front
 * matter for every field but intro and sections; paragraphs before the first
 * `## ` heading are the intro; each `## Heading` opens a section whose `- `
 * items are its bullets. Paragraph and bullet text stays inline Markdown
 * source; inline.ts renders it later. The result still needs validateBrief.
 */

export type MarkdownParseResult = { ok: true; value: unknown } | { ok: false; errors: FieldError[] };

/** Block structure only; inline Markdown is kept as source text. html:false so raw HTML stays text. */
const md = new MarkdownIt('commonmark', { html: false });

const MAX_SOURCE = 2_000_000;

export function parseMarkdownBrief(src: string): MarkdownParseResult {
  try {
    if (typeof src !== 'string') return fail('', 'Markdown brief must be text');
    if (src.length > MAX_SOURCE) return fail('', `Markdown brief is too large (over ${MAX_SOURCE} characters)`);
    const split = splitFrontMatter(src);
    if (!split.ok) return split;
    const meta = parseFrontMatter(split.frontMatter);
    if (!meta.ok) return meta;
    const body = parseBody(split.body, split.bodyLine);
    if (!body.ok) return body;
    return { ok: true, value: { ...meta.value, intro: body.intro, sections: body.sections } };
  } catch (err) {
    return fail('', `Markdown brief could not be read (${err instanceof Error ? err.message : 'error'})`);
  }
}

function fail(field: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ field, message }] };
}

type Split = { ok: true; frontMatter: string; body: string; bodyLine: number } | { ok: false; errors: FieldError[] };

function splitFrontMatter(src: string): Split {
  const lines = src.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (lines[0]?.trim() !== '---') {
    return fail('frontMatter', 'Markdown brief must start with YAML front matter between "---" lines');
  }
  const end = lines.findIndex((l, i) => i > 0 && (l.trim() === '---' || l.trim() === '...'));
  if (end < 0) return fail('frontMatter', 'front matter is not closed by a "---" line');
  return {
    ok: true,
    frontMatter: lines.slice(1, end).join('\n'),
    body: lines.slice(end + 1).join('\n'),
    bodyLine: end + 2,
  };
}

type Meta = { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldError[] };

function parseFrontMatter(text: string): Meta {
  // YAML 1.2 core schema: `publishedAt: 2024-05-30` stays the string the model
  // expects (YAML 1.1 would turn it into a Date). Aliases are capped so a
  // "billion laughs" document cannot expand.
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.slice(0, 10).map((e) => ({ field: 'frontMatter', message: e.message.split('\n')[0] })) };
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  if (value === null || value === undefined) return { ok: true, value: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return fail('frontMatter', 'front matter must be a list of "field: value" lines');
  }
  const errors: FieldError[] = [];
  for (const key of ['intro', 'sections']) {
    if (Object.prototype.hasOwnProperty.call(value, key)) {
      errors.push({ field: key, message: `goes in the Markdown body, not the front matter` });
    }
  }
  if (errors.length) return { ok: false, errors };
  // A fresh object with own properties only: a `__proto__:` key in YAML stays
  // a plain (rejected) field instead of becoming a prototype.
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
  return { ok: true, value: copy };
}

type Body =
  | { ok: true; intro: string[]; sections: { heading: string; bullets: string[] }[] }
  | { ok: false; errors: FieldError[] };

function parseBody(text: string, firstLine: number): Body {
  const tokens = md.parse(text, {});
  const intro: string[] = [];
  const sections: { heading: string; bullets: string[] }[] = [];
  const errors: FieldError[] = [];
  const lineOf = (t: Token) => (t.map ? t.map[0] + firstLine : firstLine);
  const where = () => (sections.length ? `sections.${sections.length - 1}` : 'intro');

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.level !== 0 || t.nesting === -1) continue;
    if (t.type === 'heading_open') {
      const inline = tokens[i + 1];
      if (t.tag !== 'h2') {
        errors.push({ field: 'sections', message: `line ${lineOf(t)}: only "## " headings start sections (found "${'#'.repeat(Number(t.tag.slice(1)))} ")` });
      } else {
        sections.push({ heading: plainInline(inline), bullets: [] });
      }
      i = skipToClose(tokens, i);
    } else if (t.type === 'paragraph_open') {
      if (sections.length) {
        errors.push({ field: where(), message: `line ${lineOf(t)}: text inside a section must be "- " bullets` });
      } else {
        intro.push(oneLine(tokens[i + 1].content));
      }
      i = skipToClose(tokens, i);
    } else if (t.type === 'bullet_list_open') {
      if (!sections.length) {
        errors.push({ field: 'intro', message: `line ${lineOf(t)}: bullets must follow a "## " section heading` });
      } else {
        const bullets = listItems(tokens, i, (msg) => errors.push({ field: where(), message: msg }), lineOf);
        sections[sections.length - 1].bullets.push(...bullets);
      }
      i = skipToClose(tokens, i);
    } else {
      errors.push({ field: where(), message: `line ${lineOf(t)}: ${describe(t)} is not part of a brief; use paragraphs, "## " headings and "- " bullets` });
      if (t.nesting === 1) i = skipToClose(tokens, i);
    }
  }
  if (errors.length) return { ok: false, errors: errors.slice(0, 50) };
  return { ok: true, intro, sections };
}

/** Index of the token closing the block opened at `start` (same level, nesting -1). */
function skipToClose(tokens: Token[], start: number): number {
  const open = tokens[start];
  if (open.nesting !== 1) return start;
  for (let j = start + 1; j < tokens.length; j++) {
    if (tokens[j].level === open.level && tokens[j].nesting === -1) return j;
  }
  return tokens.length - 1;
}

/** Each top-level list item's paragraphs, joined: continuation lines belong to their bullet. */
function listItems(tokens: Token[], start: number, report: (m: string) => void, lineOf: (t: Token) => number): string[] {
  const end = skipToClose(tokens, start);
  const items: string[] = [];
  let current: string[] | null = null;
  const itemLevel = tokens[start].level + 1;
  for (let j = start + 1; j < end; j++) {
    const t = tokens[j];
    if (t.type === 'list_item_open' && t.level === itemLevel) {
      current = [];
    } else if (t.type === 'list_item_close' && t.level === itemLevel) {
      if (current && current.length) items.push(current.join(' '));
      current = null;
    } else if (t.type === 'inline' && current && t.level === itemLevel + 2) {
      current.push(oneLine(t.content));
    } else if (t.nesting === 1 && t.type !== 'paragraph_open') {
      report(`line ${lineOf(t)}: ${describe(t)} inside a bullet is not supported`);
      j = skipToClose(tokens, j);
    }
  }
  return items;
}

/** Headings are plain text in the model: keep the words, drop Markdown markers. */
function plainInline(inline: Token | undefined): string {
  if (!inline?.children) return '';
  return oneLine(
    inline.children
      .filter((c) => c.type === 'text' || c.type === 'code_inline' || c.type === 'softbreak')
      .map((c) => (c.type === 'softbreak' ? ' ' : c.content))
      .join(''),
  );
}

/** A wrapped paragraph or bullet becomes one line, so JSON and Markdown briefs compare equal. */
function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

function describe(t: Token): string {
  switch (t.type) {
    case 'ordered_list_open':
      return 'a numbered list';
    case 'blockquote_open':
      return 'a quote block';
    case 'fence':
    case 'code_block':
      return 'a code block';
    case 'hr':
      return 'a horizontal rule';
    case 'html_block':
      return 'raw HTML';
    default:
      return `"${t.type.replace(/_open$/, '')}"`;
  }
}
