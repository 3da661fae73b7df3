import type { Brief } from './model.ts';
import type { BriefView } from './viewModel.ts';
import { inlineToText } from './inline.ts';

/**
 * The text/plain part, built from the brief's structure (not scraped from the
 * HTML) so it reads like a letter: wrapped near 76 columns, bullets with a
 * hanging indent, links written out. Slot values are placeholders, spliced per
 * recipient like the HTML.
 */

const WIDTH = 76;

/** Greedy word wrap. Words longer than the line (URLs) are never broken. */
export function wrap(text: string, width = WIDTH, firstPrefix = '', restPrefix = firstPrefix): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = firstPrefix;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
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

export interface TextSlots {
  unsubscribeUrl: string;
  preferencesUrl: string;
  email: string;
}

export function buildPlainText(brief: Brief, view: BriefView, slots: TextSlots): string {
  const out: string[] = [];
  out.push(wrap(`${view.series.toUpperCase()} | ${view.topicsLabel}`));
  out.push(`View in browser: ${view.webUrl}`);
  out.push('');
  out.push(wrap(view.title));
  out.push('='.repeat(Math.min(view.title.length, WIDTH)));
  out.push(`${view.dateLabel} | By ${view.byline}`);
  out.push('');
  for (const p of brief.intro) {
    out.push(wrap(inlineToText(p)));
    out.push('');
  }
  for (const s of brief.sections) {
    out.push(wrap(s.heading));
    out.push('-'.repeat(Math.min(s.heading.length, WIDTH)));
    for (const b of s.bullets) out.push(wrap(inlineToText(b), WIDTH, '- ', '  '));
    out.push('');
  }
  if (brief.experts.length) {
    const names = brief.experts.map((e) => (e.url ? `${e.name} (${e.url})` : e.name));
    out.push(wrap(`Related experts: ${names.join(', ')}`));
    out.push('');
  }
  if (brief.image && (brief.image.caption || brief.image.credit)) {
    const caption = brief.image.caption ? inlineToText(brief.image.caption) : '';
    const credit = brief.image.credit ? `(${brief.image.credit})` : '';
    out.push(wrap(`Image: ${[caption, credit].filter(Boolean).join(' ')}`));
    out.push('');
  }
  out.push(`Read on the web: ${brief.url}`);
  out.push('');
  out.push('-- '); // the standard signature separator, with its trailing space
  out.push(
    wrap(`You are receiving this because you subscribed to ${view.series} alerts; this brief covers ${view.topicsLabel}. It was sent to ${slots.email}.`),
  );
  out.push(`Update your preferences: ${slots.preferencesUrl}`);
  out.push(`Unsubscribe: ${slots.unsubscribeUrl}`);
  out.push(wrap(view.postalAddress));
  return `${out.join('\n')}\n`;
}
