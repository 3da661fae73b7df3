import { addressOf, field, headerBlock, type Fields } from './fields.ts';
import type { BriefwireMessageIds } from './types.ts';

/**
 * The returned original: its Message-ID names the dispatch and the reader
 * (`<d12.345.a1b2c3d4e5@domain>`, or `<d12.345@domain>` before id tags), its
 * Return-Path may still carry the VERP token.
 */

export interface Original {
  messageId?: string;
  returnPath?: string;
  /** Microsoft JMRP puts the complaining reader here. */
  hotmailRecipient?: string;
}

/** Characters of a returned message we read: its header block is at the top. */
const HEADER_WINDOW = 64 * 1024;

export function originalFromFields(fields: Fields): Original {
  const out: Original = {};
  const id = field(fields, 'message-id');
  if (id) out.messageId = normalizeMessageId(id);
  const rp = addressOf(field(fields, 'return-path'));
  if (rp) out.returnPath = rp;
  const hm = addressOf(field(fields, 'x-hmxmroriginalrecipient'));
  if (hm) out.hotmailRecipient = hm;
  return out;
}

/** A `message/rfc822` or `text/rfc822-headers` part. */
export function originalFromPart(content: Buffer): Original {
  return originalFromFields(headerBlock(content.subarray(0, HEADER_WINDOW).toString('utf8')));
}

/**
 * Where a non-MIME bounce starts quoting the original, by MTA. Each is the
 * exact line the MTA writes (sources: qmail-send.c, Exim's bounce_message_text
 * and warn_message_file, Sendmail's savemail.c, Gmail and Exchange as in the
 * sisimai set-of-emails samples, Yahoo as in sisimai Lhost::Yahoo).
 */
export const ENCLOSURE_MARKERS = [
  '--- Below this line is a copy of the message.', // qmail, Yahoo
  '------ This is a copy of the message, including all the headers. ------', // Exim
  "------ This is a copy of the message's headers. ------", // Exim, size-limited
  '----- Original message follows -----', // Sendmail (non-MIME)
  '----- Unsent message follows -----', // Sendmail
  '----- Message header follows -----', // Sendmail, headers only
  '----- Original message -----', // Gmail (text)
  'Original message headers:', // Exchange 2007+
];

/** The enclosure quoted in a text body after one of the markers, or null. */
export function originalFromText(text: string): { original: Original; at: number } | null {
  let best = -1;
  let marker = '';
  for (const m of ENCLOSURE_MARKERS) {
    const at = text.indexOf(m);
    if (at >= 0 && (best < 0 || at < best)) {
      best = at;
      marker = m;
    }
  }
  if (best < 0) return null;
  const after = text.slice(best + marker.length, best + marker.length + HEADER_WINDOW);
  const nl = after.indexOf('\n');
  return { original: originalFromFields(headerBlock(nl >= 0 ? after.slice(nl + 1) : '')), at: best };
}

/** `<id>` with brackets, one token, at most 250 characters; undefined when it is not one. */
export function normalizeMessageId(value: string): string | undefined {
  let v = value.trim();
  const open = v.indexOf('<');
  const close = v.indexOf('>', open + 1);
  if (open >= 0 && close > open) v = v.slice(open + 1, close);
  v = v.trim();
  if (!v || v.length > 250 || /[\s<>]/.test(v) || !v.includes('@')) return undefined;
  return `<${v}>`;
}

const BRIEFWIRE_ID = /^<d([1-9][0-9]{0,17})\.([1-9][0-9]{0,17})(?:\.([0-9a-f]{10}))?@([a-z0-9.-]{1,253})>$/i;

/** Dispatch and subscriber from one of our Message-IDs, or undefined for anyone else's. */
export function briefwireIds(messageId: string | undefined): BriefwireMessageIds | undefined {
  if (!messageId) return undefined;
  const m = BRIEFWIRE_ID.exec(messageId);
  if (!m) return undefined;
  return { dispatchId: `d${m[1]}`, subscriberId: m[2]!, ...(m[3] ? { tag: m[3].toLowerCase() } : {}), domain: m[4]!.toLowerCase() };
}
