import { BOUNCE_PROFILES, BOUNCE_SENDERS, BOUNCE_SUBJECTS, DELAY_PHRASES } from './bounceMarkers.ts';
import { addressOf, oneLine, plainAddress } from './fields.ts';
import { ENCLOSURE_MARKERS } from './original.ts';
import { classifyFailure, findEnhancedStatus, findReplyCode } from './status.ts';
import type { ReportedRecipient } from './types.ts';

/**
 * Non-standard bounces: find the notice (bounceMarkers.ts), take the lines
 * between it and the returned message, and read recipients from them. An
 * address line is a line that is only an address (`<addr>`, `<addr>:`,
 * `addr`, `Name<mailto:addr>`), optionally followed by the reply; the reply is
 * the non-blank lines after it. When a block has no reply of its own (Gmail
 * puts it in a later paragraph), the first paragraph of the notice that quotes
 * an SMTP code is used.
 */

export interface HeuristicInput {
  text: string;
  headers: Array<[string, string]>;
  subject?: string;
  maxRecipients: number;
}

export interface HeuristicBounce {
  recipients: ReportedRecipient[];
  note: string;
}

/** Characters of the notice scanned for recipients. */
const SECTION_CHARS = 64 * 1024;

function header(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([n]) => n === name).map(([, v]) => v);
}

function addressLine(line: string): { address: string; rest: string } | null {
  const t = line.trim();
  if (t.length < 3 || t.length > 400) return null;
  if (t.startsWith('<')) {
    const close = t.indexOf('>');
    if (close < 0) return null;
    const rest = t.slice(close + 1);
    // "<addr>... User unknown" is a Sendmail transcript line about the address, not its block.
    if (rest && rest[0] !== ':' && rest[0] !== ' ' && rest[0] !== '\t' && rest[0] !== '(') return null;
    const address = addressOf(t.slice(1, close));
    return address ? { address, rest: (rest[0] === ':' ? rest.slice(1) : rest).trim() } : null;
  }
  const mailto = t.indexOf('<mailto:');
  if (mailto > 0 && t.endsWith('>')) {
    const address = addressOf(t.slice(mailto));
    return address ? { address, rest: '' } : null;
  }
  const bare = plainAddress(t.endsWith(':') ? t.slice(0, -1) : t);
  return bare ? { address: bare, rest: '' } : null;
}

function looksLikeReply(text: string): boolean {
  return findReplyCode(text) !== undefined || findEnhancedStatus(text) !== undefined;
}

/** Where the notice starts and which MTA wrote it, or null when no profile matches. */
function findNotice(text: string): { at: number; name: string } | null {
  let found: { at: number; name: string } | null = null;
  for (const profile of BOUNCE_PROFILES) {
    for (const marker of profile.markers) {
      const at = text.indexOf(marker);
      if (at >= 0 && (!found || at < found.at)) found = { at, name: profile.name };
    }
  }
  return found;
}

function fromBounceSender(headers: Array<[string, string]>, subject: string | undefined): boolean {
  const from = addressOf(header(headers, 'from')[0]);
  const local = from?.slice(0, from.lastIndexOf('@')).toLowerCase();
  if (!local || !BOUNCE_SENDERS.includes(local)) return false;
  const s = (subject ?? '').toLowerCase();
  return BOUNCE_SUBJECTS.some((p) => s.includes(p));
}

export function readHeuristicBounce(input: HeuristicInput): HeuristicBounce | null {
  const { text, headers } = input;
  const notice = findNotice(text);
  const failed = header(headers, 'x-failed-recipients')
    .flatMap((v) => v.split(','))
    .map((a) => addressOf(a.trim()))
    .filter((a): a is string => !!a);
  if (!notice && !failed.length && !fromBounceSender(headers, input.subject)) return null;

  const start = notice?.at ?? 0;
  let end = Math.min(text.length, start + SECTION_CHARS);
  for (const m of ENCLOSURE_MARKERS) {
    const at = text.indexOf(m, start);
    if (at >= 0 && at < end) end = at;
  }
  const section = text.slice(start, end).replaceAll('\r\n', '\n');
  const lower = `${(input.subject ?? '').toLowerCase()}\n${section.toLowerCase()}`;
  const delayed = DELAY_PHRASES.some((p) => lower.includes(p)) || (input.subject ?? '').toLowerCase().startsWith('warning:');

  // Addresses the bounce is addressed to (our own bounce address) are never the failed reader.
  const ours = new Set(['to', 'delivered-to', 'x-original-to', 'from'].flatMap((n) => header(headers, n)).map(addressOf).filter(Boolean));
  const blocks = new Map<string, string[]>();
  const lines = section.split('\n');
  let current: string[] | null = null;
  for (const line of lines) {
    const a = addressLine(line);
    if (a && !ours.has(a.address)) {
      if (!blocks.has(a.address)) {
        if (blocks.size >= input.maxRecipients) break;
        blocks.set(a.address, []);
      }
      current = blocks.get(a.address)!;
      if (a.rest) current.push(a.rest);
      continue;
    }
    if (!line.trim()) {
      current = null;
      continue;
    }
    if (current && current.length < 20) current.push(line.trim());
  }
  for (const address of failed) if (!blocks.has(address) && !ours.has(address) && blocks.size < input.maxRecipients) blocks.set(address, []);

  const fallback = sectionReply(section);
  const recipients: ReportedRecipient[] = [];
  const entries: Array<[string | undefined, string[]]> = blocks.size ? [...blocks] : [[undefined, []]];
  for (const [address, block] of entries) {
    const own = oneLine(block.join(' '));
    const diagnostic = own && looksLikeReply(own) ? own : fallback ?? (own || undefined);
    const c = classifyFailure({ diagnostic, ...(delayed ? { action: 'delayed' } : {}) });
    const r: ReportedRecipient = { kind: c.kind };
    if (address) r.address = address;
    if (c.status) r.status = c.status;
    if (delayed) r.action = 'delayed';
    if (diagnostic) r.diagnostic = diagnostic;
    if (c.reason && c.kind !== 'unknown') r.reason = c.reason;
    recipients.push(r);
  }
  return { recipients, note: notice ? `${notice.name} notice${delayed ? ' (delay)' : ''}` : failed.length ? 'X-Failed-Recipients' : 'bounce sender and subject' };
}

/** The first paragraph of the notice that quotes an SMTP reply, as one line. */
function sectionReply(section: string): string | undefined {
  let from = 0;
  while (from < section.length) {
    let next = section.indexOf('\n\n', from);
    if (next < 0) next = section.length;
    const paragraph = section.slice(from, next);
    if (looksLikeReply(paragraph)) return oneLine(paragraph);
    from = next + 2;
  }
  return undefined;
}
