import { stringify } from 'yaml';
import type { Brief } from './model.ts';

/**
 * A stored brief as the Markdown editors write (the form markdown.ts reads),
 * for the edit page: whatever a brief came in as (JSON, Markdown, the feed),
 * the editor edits one text. parseMarkdownBrief + validateBrief of the result
 * give the brief back (tested); paragraphs are wrapped at WIDTH columns so the
 * editor's line numbers stay meaningful.
 */

const WIDTH = 78;

/** Whether a line starting with this word (and a space) would open another block: list, heading, quote, fence, rule. */
export function opensBlock(word: string): boolean {
  return /^[-+*]$/.test(word) || /^#{1,6}$/.test(word) || word.startsWith('>') || /^\d{1,9}[.)]$/.test(word) || /^(?:`{3,}|~{3,})/.test(word) || /^[-*_=]+$/.test(word);
}

/** Paragraph text on one line, its first word escaped when it would open a block. */
function inlineSource(text: string): string {
  const one = text.replace(/\s*\n\s*/g, ' ').trim();
  const first = one.split(' ')[0]!;
  if (!opensBlock(first)) return one;
  return /^\d/.test(first) ? one.replace(/^(\d+)([.)])/, '$1\\$2') : `\\${one}`;
}

/** Greedy wrap; a break only where the next word cannot open a block and the previous one cannot end in a hard break (`\`). */
export function wrap(text: string, firstPrefix: string, restPrefix: string, width = WIDTH): string {
  const words = text.split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const w of words) {
    const prev = line.slice(line.lastIndexOf(' ') + 1);
    if (!empty && line.length + 1 + w.length > width && !opensBlock(w) && !prev.endsWith('\\')) {
      lines.push(line);
      line = restPrefix + w;
    } else {
      line += (empty ? '' : ' ') + w;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

function heading(text: string): string {
  // A closing run of `#` would be read as the heading's closing sequence.
  return `## ${text.replace(/\s*\n\s*/g, ' ').replace(/(\s)(#+)$/, (_m, sp: string, hashes: string) => `${sp}${hashes.replace(/#/g, '\\#')}`)}`;
}

export function briefToMarkdown(brief: Brief): string {
  const meta: Record<string, unknown> = {
    title: brief.title,
    series: brief.series,
    publishedAt: brief.publishedAt,
    byline: brief.byline,
    url: brief.url,
    ...(brief.slug ? { slug: brief.slug } : {}),
    topics: brief.topics,
    ...(brief.preheader ? { preheader: brief.preheader } : {}),
    ...(brief.experts.length ? { experts: brief.experts.map((e) => ({ name: e.name, ...(e.url ? { url: e.url } : {}) })) } : {}),
    ...(brief.image ? { image: { ...brief.image } } : {}),
  };
  const front = stringify(meta, { schema: 'core', lineWidth: 0 }).trimEnd();
  const body: string[] = brief.intro.map((p) => wrap(inlineSource(p), '', ''));
  for (const s of brief.sections) {
    body.push(heading(s.heading));
    body.push(s.bullets.map((b) => wrap(inlineSource(b), '- ', '  ')).join('\n'));
  }
  return `---\n${front}\n---\n\n${body.join('\n\n')}\n`;
}
