import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * VERP: every bulk copy's envelope sender names its dispatch and reader, so a
 * bounce that comes back to `bounces+<token>@domain` says whose it is even when
 * the bounce itself is unreadable.
 *
 * The token is `<dispatch>-<subscriber>-<mac>`: both numbers in base 36 and an
 * 80-bit HMAC in base 32, all lower-case letters and digits with `-` between,
 * because some MTAs lower-case local parts and a local part must stay unquoted
 * and at most 64 octets. Ids are short numbers, not addresses: nothing in the
 * token says who the reader is to anyone without the database.
 */

export type VerpErrorCode = 'VERP_ADDRESS_INVALID' | 'VERP_SECRET_INVALID' | 'VERP_IDS_INVALID' | 'VERP_TOO_LONG';

export class VerpError extends Error {
  readonly code: VerpErrorCode;
  constructor(code: VerpErrorCode, message: string) {
    super(message);
    this.name = 'VerpError';
    this.code = code;
  }
}

export interface VerpIds {
  dispatchId: string;
  subscriberId: string;
}

export interface Verp {
  /** The envelope sender of one bulk copy: `bounces+<token>@domain`. */
  envelopeFor(dispatchId: string, subscriberId: string): string;
  /** The ids a VERP address carries, or null when it is not ours, malformed or forged. Any case. */
  parse(address: string): VerpIds | null;
  /** The plain bounce address (confirmations and test copies use it). */
  readonly bounceAddress: string;
}

/** RFC 5321 §4.5.3.1.1. */
const MAX_LOCAL_PART = 64;
const MAC_BYTES = 10;
const MAC_CHARS = 16; // 80 bits in base 32, no padding
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// Dispatch ids are `d` + Redis INCR, subscriber ids a decimal INCR: canonical, no leading zero.
const DISPATCH_ID = /^d[1-9][0-9]{0,17}$/;
const SUBSCRIBER_ID = /^[1-9][0-9]{0,17}$/;
// An unquoted dot-atom local part we are willing to extend with `+token`.
const SIMPLE_LOCAL = /^[a-z0-9](?:[a-z0-9._-]{0,30}[a-z0-9])?$/i;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
// 18 decimal digits fit in 12 base-36 characters.
const BASE36_PART = /^[0-9a-z]{1,12}$/;

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function splitAddress(address: string): { local: string; domain: string } | null {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { local: address.slice(0, at), domain: address.slice(at + 1) };
}

/** base 36 of a canonical decimal string; BigInt because ids may pass 2^53. */
const toBase36 = (decimal: string) => BigInt(decimal).toString(36);

/** The decimal a base-36 part stands for, or null when it is not the canonical spelling of one. */
function fromBase36(part: string): string | null {
  if (!BASE36_PART.test(part) || (part.length > 1 && part[0] === '0')) return null;
  let n = 0n;
  for (const ch of part) n = n * 36n + BigInt(parseInt(ch, 36));
  return n === 0n ? null : n.toString(10);
}

/**
 * @param secretKey config.secretKey; a VERP-only key is derived from it, so a
 *   token never shares a MAC key with link tokens or sessions.
 * @param bounceAddress BOUNCE_ADDRESS, e.g. `bounces@bounces.example.org`.
 */
export function createVerp(secretKey: string, bounceAddress: string): Verp {
  if (typeof secretKey !== 'string' || secretKey.length < 32) {
    throw new VerpError('VERP_SECRET_INVALID', 'the secret key must be at least 32 characters');
  }
  const parts = splitAddress(bounceAddress.trim());
  if (!parts || !SIMPLE_LOCAL.test(parts.local) || !DOMAIN.test(parts.domain)) {
    throw new VerpError('VERP_ADDRESS_INVALID', `BOUNCE_ADDRESS must be a plain address like bounces@bounces.example.org`);
  }
  const base = parts.local.toLowerCase();
  const domain = parts.domain.toLowerCase();
  const prefix = `${base}+`;
  const key: KeyObject = createSecretKey(createHmac('sha256', secretKey).update('briefwire:verp:v1').digest());
  const mac = (dispatchId: string, subscriberId: string) =>
    createHmac('sha256', key).update(`${dispatchId}:${subscriberId}`).digest().subarray(0, MAC_BYTES);

  return {
    bounceAddress: `${base}@${domain}`,

    envelopeFor(dispatchId, subscriberId) {
      if (!DISPATCH_ID.test(dispatchId) || !SUBSCRIBER_ID.test(subscriberId)) {
        throw new VerpError('VERP_IDS_INVALID', `not a dispatch and subscriber id: ${JSON.stringify([dispatchId, subscriberId]).slice(0, 80)}`);
      }
      const local = `${prefix}${toBase36(dispatchId.slice(1))}-${toBase36(subscriberId)}-${base32(mac(dispatchId, subscriberId))}`;
      if (local.length > MAX_LOCAL_PART) {
        throw new VerpError('VERP_TOO_LONG', `the VERP local part would be ${local.length} octets (at most ${MAX_LOCAL_PART}): shorten BOUNCE_ADDRESS`);
      }
      return `${local}@${domain}`;
    },

    parse(address) {
      if (typeof address !== 'string' || address.length > 320) return null;
      let a = address.trim();
      if (a.startsWith('<') && a.endsWith('>')) a = a.slice(1, -1).trim();
      const p = splitAddress(a.toLowerCase());
      if (!p || p.domain !== domain || !p.local.startsWith(prefix)) return null;
      const fields = p.local.slice(prefix.length).split('-');
      if (fields.length !== 3 || fields[2]!.length !== MAC_CHARS) return null;
      const dispatchNumber = fromBase36(fields[0]!);
      const subscriberId = fromBase36(fields[1]!);
      if (!dispatchNumber || !subscriberId) return null;
      const dispatchId = `d${dispatchNumber}`;
      if (!DISPATCH_ID.test(dispatchId) || !SUBSCRIBER_ID.test(subscriberId)) return null;
      // Both sides are 16 ASCII characters: equal lengths, so the comparison's time says nothing.
      const expected = Buffer.from(base32(mac(dispatchId, subscriberId)), 'latin1');
      const given = Buffer.from(fields[2]!, 'latin1');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return { dispatchId, subscriberId };
    },
  };
}
