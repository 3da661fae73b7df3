import { isDeepStrictEqual } from 'node:util';
import type { Brief } from './model.ts';

/** The brief's top-level fields, in the order a history entry lists them. */
export const BRIEF_FIELDS = [
  'title', 'series', 'publishedAt', 'byline', 'url', 'slug', 'topics', 'preheader', 'intro', 'sections', 'experts', 'image',
] as const satisfies readonly (keyof Brief)[];

export type BriefField = (typeof BRIEF_FIELDS)[number];

/** What a brief's history records as "what changed": the fields whose value differs, not the text itself. */
export function changedFields(before: Brief, after: Brief): BriefField[] {
  return BRIEF_FIELDS.filter((f) => !isDeepStrictEqual(before[f] ?? null, after[f] ?? null));
}

/**
 * A correction starts as a copy of the sent brief, titled as a correction; it
 * gets a slug of its own (the sent one stays the sent brief's web version).
 */
export function correctionDraft(sent: Brief): Brief {
  const { slug: _slug, ...rest } = sent;
  const prefix = 'Correction: ';
  const title = sent.title.startsWith(prefix) || sent.title.length + prefix.length > 300 ? sent.title : `${prefix}${sent.title}`;
  return { ...rest, title };
}
