import type { simpleParser as SimpleParser } from 'mailparser';
import { oneLine } from './fields.ts';
import type { ParseLimits, UnreadableReason } from './types.ts';
import { lazyModule } from '../../lazyModule.ts';

/**
 * The MIME structure of a report, read with mailparser and flattened into what
 * the report readers need: the top-level header lines, the text, and every
 * non-text part (delivery-status, feedback-report, returned messages and
 * headers) as bytes.
 *
 * mailparser options, and why:
 * - keepDeliveryStatus: a `message/delivery-status` part is kept as a part
 *   instead of being folded into the text;
 * - ignoreEmbedded: a returned `message/rfc822` stays bytes (we read only its
 *   header block) instead of being parsed and merged into the text;
 * - maxHeadSize / maxChildNodes: mailparser refuses a part's header block or a
 *   part count past our limits (it emits an error, which we map to a reason);
 * - skip html-to-text and linkify: the heuristics need none of it, and
 *   html-to-text is the one expensive step on hostile HTML.
 *
 * How mailparser 3.14 behaves on hostile input, measured: 900 nested
 * multiparts parse in about 0.1 s (linear), and past maxChildNodes it stops
 * with "Max allowed child nodes exceeded"; a header block past maxHeadSize
 * stops it with "Max header size for a MIME node exceeded" as soon as the
 * limit is crossed; an 8 MB single line or a 2 MB run of bad quoted-printable
 * takes a few hundred milliseconds. Nothing found unbounded, but limits.ts
 * refuses deep nesting and a huge top header from the raw bytes anyway, so
 * the refusal is cheap and says why.
 */

export interface MimePart {
  contentType: string;
  content: Buffer;
}

export interface MimeMessage {
  /** Top-level header fields as written: name lower-cased, folds joined, in order. */
  headers: Array<[name: string, value: string]>;
  subject?: string;
  /** All inline text/plain (or, when there is none, text/html with tags dropped), capped. */
  text: string;
  parts: MimePart[];
}

export type MimeResult = { ok: true; message: MimeMessage } | { ok: false; reason: UnreadableReason; detail: string };

/** Tags and entities out of HTML, by scanning; enough for the heuristics to find their phrases. */
function htmlToPlain(html: string, max: number): string {
  let out = '';
  let inTag = false;
  for (let i = 0; i < html.length && out.length < max; i++) {
    const ch = html[i]!;
    if (inTag) {
      if (ch === '>') inTag = false;
      continue;
    }
    if (ch === '<') {
      inTag = true;
      const next = html.slice(i + 1, i + 4).toLowerCase();
      if (next.startsWith('br') || next.startsWith('p') || next.startsWith('/p') || next.startsWith('tr') || next.startsWith('div')) out += '\n';
      continue;
    }
    out += ch;
  }
  return out.replaceAll('&nbsp;', ' ').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

function unfold(line: string): [string, string] | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const name = line.slice(0, colon).trim().toLowerCase();
  const value = line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
  return [name, value];
}

function reasonFor(err: unknown): UnreadableReason {
  const message = err instanceof Error ? err.message.toLowerCase() : '';
  if (message.includes('header')) return 'header-too-large';
  if (message.includes('child node') || message.includes('nodes')) return 'too-many-parts';
  return 'mime-unreadable';
}

// Loaded with the first report: a worker with no bounce intake never holds mailparser (about 30 MB).
// Outside readMime's try, so a failed load throws (the entry is retried) rather than reading as unreadable mail.
const loadParser = lazyModule<typeof SimpleParser>(
  () => import('mailparser').then((m) => m.simpleParser),
  (e) => new Error(`could not load mailparser to read a feedback message: ${e.message}`, { cause: e }),
);

export async function readMime(raw: Buffer, limits: ParseLimits): Promise<MimeResult> {
  const simpleParser = await loadParser();
  let mail;
  try {
    mail = await simpleParser(raw, {
      keepDeliveryStatus: true,
      ignoreEmbedded: true,
      skipHtmlToText: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      checksumAlgo: false,
      maxHeadSize: limits.maxHeaderBytes,
      maxChildNodes: limits.maxParts,
    });
  } catch (err) {
    return { ok: false, reason: reasonFor(err), detail: oneLine(err instanceof Error ? err.message : String(err), 200) };
  }
  const headers: Array<[string, string]> = [];
  for (const { line } of mail.headerLines ?? []) {
    const h = unfold(line);
    if (h) headers.push(h);
  }
  let text = typeof mail.text === 'string' ? mail.text.slice(0, limits.maxTextChars) : '';
  if (!text.trim() && typeof mail.html === 'string') text = htmlToPlain(mail.html.slice(0, limits.maxTextChars * 4), limits.maxTextChars);
  const parts = (mail.attachments ?? []).slice(0, limits.maxParts).map((a) => ({
    contentType: (a.contentType ?? 'application/octet-stream').toLowerCase(),
    content: a.content,
  }));
  const subject = typeof mail.subject === 'string' ? oneLine(mail.subject, 200) : undefined;
  return { ok: true, message: { headers, ...(subject ? { subject } : {}), text, parts } };
}
