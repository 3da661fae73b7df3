import { validateBrief, type ValidationResult } from '../briefs/model.ts';
import { htmlToBriefBody } from './htmlToBrief.ts';
import { htmlText } from './htmlInline.ts';
import type { FeedItem } from './parseFeed.ts';

/**
 * One feed item to a validated brief. Categories become topics only when they
 * name a configured topic (compared without regard to case); the rest are the
 * site's own tags and are dropped. A brief that still does not validate (no
 * topic, no text) is reported, never stored half-made.
 */

export function mapTopics(categories: string[], configured: readonly string[]): string[] {
  const byKey = new Map(configured.map((t) => [t.toLowerCase(), t]));
  const out = new Set<string>();
  for (const c of categories) {
    const t = byKey.get(htmlText(c).toLowerCase());
    if (t) out.add(t);
  }
  return [...out];
}

const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export function itemToBrief(item: FeedItem, feed: { title: string }, topics: readonly string[], now = new Date()): ValidationResult {
  const base = item.link;
  const body = htmlToBriefBody(item.html, base);
  // A body that opens straight on a heading still needs an intro: the item's summary stands in.
  if (!body.intro.length && item.summary && item.summary !== item.html) body.intro = htmlToBriefBody(item.summary, base).intro;
  const title = htmlText(item.title);
  if (body.image && !body.image.alt) body.image.alt = title || 'Image';
  return validateBrief(
    {
      title,
      publishedAt: isoDate(item.published ?? now),
      byline: htmlText(item.author ?? '') || htmlText(feed.title) || 'Fast Thinking',
      url: item.link ?? '',
      topics: mapTopics(item.categories, topics),
      intro: body.intro,
      sections: body.sections,
      ...(body.image ? { image: body.image } : {}),
    },
    topics,
  );
}
