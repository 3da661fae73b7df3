import { domainToASCII } from 'node:url';

/**
 * One bare address in, one normalized address out (local part kept, domain
 * lowercased and in punycode), or a reason. Lengths are checked before any
 * pattern so a 50,000-character input costs nothing; the patterns are linear.
 */
export type AddressResult = { ok: true; address: string } | { ok: false; message: string };

const MAX_INPUT = 320;
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function normalizeAddress(input: unknown): AddressResult {
  if (typeof input !== 'string') return { ok: false, message: 'must be a string' };
  if (input.length > MAX_INPUT) return { ok: false, message: 'is too long (at most 254 characters)' };
  // CR, LF, NUL and other controls are how header injection starts. Checked
  // before trimming: trim() would quietly drop a trailing CRLF.
  if (/[\u0000-\u001f\u007f]/.test(input)) return { ok: false, message: 'must not contain control characters' };
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, message: 'is required' };
  if (/[\s<>(),;:"\[\]\\]/.test(trimmed)) {
    return { ok: false, message: 'must be one bare address (no name, comment, quotes, spaces or list)' };
  }
  const at = trimmed.indexOf('@');
  if (at < 1 || at !== trimmed.lastIndexOf('@')) return { ok: false, message: 'must be an address like name@example.org' };
  const local = trimmed.slice(0, at);
  const rawDomain = trimmed.slice(at + 1);
  if (local.length > 64) return { ok: false, message: 'has a local part longer than 64 characters' };
  if (!LOCAL_PART.test(local)) return { ok: false, message: 'has characters not allowed before the @' };
  if (!rawDomain || rawDomain.length > 253) return { ok: false, message: 'has an invalid domain' };
  const domain = domainToASCII(rawDomain.toLowerCase());
  if (!domain) return { ok: false, message: 'has an invalid domain' };
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1]!)) {
    return { ok: false, message: 'has an invalid domain' };
  }
  const address = `${local}@${domain}`;
  if (address.length > 254) return { ok: false, message: 'is too long (at most 254 characters)' };
  return { ok: true, address };
}

/** For logs: `j***@example.org`. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/**
 * An address's identity: who it is, for the subscriber index and every limit.
 * Mailbox providers treat local parts case-insensitively, so Bomb@, BOMB@ and
 * bomb@ are one reader (one confirmation per window, not three); the spelling
 * the reader typed is kept for display and as the envelope recipient.
 */
export function addressIdentity(normalized: string): string {
  return normalized.toLowerCase();
}
