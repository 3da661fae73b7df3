import type { Brief } from './model.ts';
import { slugFor } from './model.ts';
import { inlineToHtml, inlineToText } from './inline.ts';

/**
 * What the templates see. Everything is either plain text (the templates
 * escape it with `{{ }}`) or a `...Html` field produced by inline.ts (the only
 * values the templates may triple-stash). Designers work against this shape.
 */
export interface BriefView {
  series: string;
  title: string;
  preheader: string;
  publishedAt: string;
  dateLabel: string;
  byline: string;
  url: string;
  topics: string[];
  topicsLabel: string;
  introHtml: string[];
  sections: { heading: string; bulletsHtml: string[] }[];
  experts: { name: string; url?: string }[];
  image?: { url: string; alt: string; captionHtml?: string; credit?: string };
  webUrl: string;
  subscribeUrl: string;
  postalAddress: string;
}

export function trimUrl(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** "May 30, 2024": fixed English and UTC, so a server's locale or zone never shifts the date. */
export function dateLabel(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-US', {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  });
}

/** Inbox preview text: the editor's, or the start of the intro. */
export function preheaderFor(brief: Brief): string {
  if (brief.preheader) return brief.preheader;
  const text = inlineToText(brief.intro[0] ?? '').replace(/\s+/g, ' ');
  if (text.length <= 140) return text;
  const cut = text.slice(0, 140);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 100))}…`;
}

export function webUrlFor(brief: Brief, publicUrl: string): string {
  return `${trimUrl(publicUrl)}/briefs/${encodeURIComponent(slugFor(brief))}`;
}

export function buildView(brief: Brief, opts: { publicUrl: string; postalAddress?: string }): BriefView {
  return {
    series: brief.series,
    title: brief.title,
    preheader: preheaderFor(brief),
    publishedAt: brief.publishedAt,
    dateLabel: dateLabel(brief.publishedAt),
    byline: brief.byline,
    url: brief.url,
    topics: brief.topics,
    topicsLabel: brief.topics.join(', '),
    introHtml: brief.intro.map(inlineToHtml),
    sections: brief.sections.map((s) => ({ heading: s.heading, bulletsHtml: s.bullets.map(inlineToHtml) })),
    experts: brief.experts,
    image: brief.image && {
      url: brief.image.url,
      alt: brief.image.alt,
      captionHtml: brief.image.caption ? inlineToHtml(brief.image.caption) : undefined,
      credit: brief.image.credit,
    },
    webUrl: webUrlFor(brief, opts.publicUrl),
    subscribeUrl: `${trimUrl(opts.publicUrl)}/subscribe`,
    postalAddress: opts.postalAddress ?? '',
  };
}
