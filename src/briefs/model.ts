import { z } from 'zod';
import type { FieldError } from './errors.ts';

/**
 * The brief as DESIGN.md fixes it ("Brief formats"). Inline text (intro
 * paragraphs, bullets, image caption) is inline Markdown; everything else is
 * plain text. Limits exist so one bad brief cannot blow up a render, a Redis
 * value or a reader's inbox.
 */

export const LIMITS = {
  singleLine: 300,
  paragraph: 5_000,
  intro: 20,
  sections: 50,
  bulletsPerSection: 50,
  experts: 20,
  topics: 50,
  url: 2_000,
  slug: 80,
  /** Characters of text in the whole brief; far above any real brief. */
  totalChars: 500_000,
} as const;

// C0 controls (CR, LF, NUL, ...), DEL, C1 controls and the Unicode line/paragraph
// separators: none belong in a one-line field (they would break subjects and headers).
const SINGLE_LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Paragraphs may wrap (LF, tab), but NUL and other controls are never text.
const MULTI_LINE_FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const singleLine = (max: number = LIMITS.singleLine) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.length > max || !SINGLE_LINE_FORBIDDEN.test(s), 'must be a single line without control characters');

const paragraph = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(LIMITS.paragraph, `must be at most ${LIMITS.paragraph} characters`)
  .refine((s) => s.length > LIMITS.paragraph || !MULTI_LINE_FORBIDDEN.test(s), 'must not contain control characters');

/** Only web links: `javascript:`, `data:`, `file:` and relative URLs never reach a reader. */
export function isWebUrl(value: string): boolean {
  if (value.length > LIMITS.url || SINGLE_LINE_FORBIDDEN.test(value) || /\s/.test(value)) return false;
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

const webUrl = z
  .string()
  .trim()
  .max(LIMITS.url, `must be at most ${LIMITS.url} characters`)
  .refine(isWebUrl, 'must be an absolute http:// or https:// URL')
  // Store the parser's form: quotes, angle brackets and spaces come out
  // percent-encoded, so a URL can never carry markup into an attribute.
  .transform((v) => new URL(v).href);

/** A real calendar date: 2024-02-30 parses in JavaScript but is not a date. */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function briefSchema(topics: readonly string[]) {
  const allowed = new Set(topics);
  const topicList = topics.length > 10 ? `${topics.slice(0, 10).join(', ')}, ...` : topics.join(', ');
  return z
    .strictObject({
      title: singleLine(),
      series: singleLine(100).default('Fast Thinking'),
      publishedAt: z.string().trim().refine(isCalendarDate, 'must be a real date written YYYY-MM-DD'),
      byline: singleLine(),
      url: webUrl,
      topics: z
        .array(z.string().refine((t) => allowed.has(t), `must be one of the configured topics (${topicList})`))
        .min(1, 'must name at least one topic')
        .max(LIMITS.topics, `must have at most ${LIMITS.topics} topics`)
        // Duplicates would only repeat in the footer; drop them quietly.
        .transform((list) => [...new Set(list)]),
      intro: z
        .array(paragraph)
        .min(1, 'must have at least one paragraph')
        .max(LIMITS.intro, `must have at most ${LIMITS.intro} paragraphs`),
      sections: z
        .array(
          z.strictObject({
            heading: singleLine(),
            bullets: z
              .array(paragraph)
              .min(1, 'must have at least one bullet')
              .max(LIMITS.bulletsPerSection, `must have at most ${LIMITS.bulletsPerSection} bullets`),
          }),
        )
        .max(LIMITS.sections, `must have at most ${LIMITS.sections} sections`),
      experts: z
        .array(z.strictObject({ name: singleLine(), url: webUrl.optional() }))
        .max(LIMITS.experts, `must have at most ${LIMITS.experts} experts`)
        .default([]),
      image: z
        .strictObject({
          url: webUrl,
          alt: singleLine(1_000),
          caption: paragraph.optional(),
          credit: singleLine().optional(),
        })
        .optional(),
      preheader: singleLine(200).optional(),
      slug: z
        .string()
        .max(LIMITS.slug, `must be at most ${LIMITS.slug} characters`)
        .regex(SLUG_PATTERN, 'must use only lowercase letters, digits and single dashes')
        .optional(),
    })
    .refine((brief) => textSize(brief) <= LIMITS.totalChars, {
      message: `brief is too large (over ${LIMITS.totalChars} characters of text)`,
      // Only once every field is valid: an oversized field already has its own error.
      when: (payload) => payload.issues.length === 0,
    });
}

export type Brief = z.output<ReturnType<typeof briefSchema>>;

function textSize(b: { intro: string[]; sections: { heading: string; bullets: string[] }[]; title: string }): number {
  let n = b.title.length;
  for (const p of b.intro) n += p.length;
  for (const s of b.sections) {
    n += s.heading.length;
    for (const x of s.bullets) n += x.length;
  }
  return n;
}

export type ValidationResult = { ok: true; brief: Brief } | { ok: false; errors: FieldError[] };

/** Messages for the cases zod words for programmers rather than editors. */
function friendlyMessage(issue: { code: string; input?: unknown; expected?: unknown }): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected = issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'a list' : `a ${String(issue.expected)}`;
  const got = issue.input === null ? 'null' : Array.isArray(issue.input) ? 'a list' : typeof issue.input;
  return `must be ${expected}, not ${got}`;
}

/**
 * Validate anything (parsed JSON, parsed front matter, a hostile object) into a
 * Brief. Never throws: any surprise becomes an error on the whole brief.
 */
export function validateBrief(input: unknown, topics: readonly string[]): ValidationResult {
  try {
    const result = briefSchema(topics).safeParse(input, { error: (iss) => friendlyMessage(iss) });
    if (result.success) return { ok: true, brief: result.data };
    const errors: FieldError[] = [];
    for (const issue of result.error.issues) {
      const base = issue.path.map(String);
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) errors.push({ field: [...base, key].join('.'), message: 'is not a known brief field' });
      } else if (base.length === 0 && issue.code === 'invalid_type') {
        errors.push({ field: '', message: 'brief must be a JSON object' });
      } else {
        errors.push({ field: base.join('.'), message: issue.message });
      }
    }
    return { ok: false, errors: errors.slice(0, 100) };
  } catch (err) {
    return { ok: false, errors: [{ field: '', message: `brief could not be read (${err instanceof Error ? err.name : 'error'})` }] };
  }
}

/** `2024-05-30-why-the-us-is-giving-ukraine-...`: date first so slugs sort and stay unique per day. */
export function slugFor(brief: Pick<Brief, 'publishedAt' | 'title' | 'slug'>): string {
  if (brief.slug) return brief.slug;
  const words = brief.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = brief.publishedAt;
  for (const w of words) {
    const next = `${slug}-${w}`;
    if (next.length > LIMITS.slug) break;
    slug = next;
  }
  return slug.slice(0, LIMITS.slug);
}
