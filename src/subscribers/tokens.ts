import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * Two kinds of token:
 * - confirmation: 32 random bytes, only their SHA-256 stored, expiring; it keeps
 *   working until it expires (a scanner's visit must not use it up, and a
 *   reader who opens it twice is told they are confirmed);
 * - link (unsubscribe, preferences): `<id>.<HMAC>`, no address, never expires
 *   (providers expect unsubscribe links to keep working), short enough that the
 *   List-Unsubscribe header never folds.
 */

const CONFIRM_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const LINK_TOKEN = /^([1-9][0-9]{0,14})\.([A-Za-z0-9_-]{22})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface ConfirmTokens {
  issue(subscriberId: string): Promise<string>;
  /** The subscriber id the token was issued for, or null if unknown or expired. */
  resolve(token: string): Promise<string | null>;
}

export function createConfirmTokens(redis: RedisClient, keys: Keyspace, ttlSec: number): ConfirmTokens {
  return {
    async issue(subscriberId) {
      const token = randomBytes(32).toString('base64url');
      await redis.set(keys.confirmToken(sha256(token)), subscriberId, 'EX', ttlSec);
      return token;
    },
    async resolve(token) {
      if (typeof token !== 'string' || !CONFIRM_TOKEN.test(token)) return null;
      const v = await redis.get(keys.confirmToken(sha256(token)));
      // Tokens used before links stayed valid carry a 'used:' mark: the subscriber is the same.
      return v ? v.replace(/^used:/, '') : null;
    },
  };
}

export interface LinkTokens {
  sign(subscriberId: string): string;
  verify(token: unknown): string | null;
}

export function createLinkTokens(secretKey: string): LinkTokens {
  // A KeyObject made once: createHmac would otherwise import the raw key for every recipient.
  const key = createSecretKey(Buffer.from(secretKey, 'utf8'));
  const mac = (id: string) => createHmac('sha256', key).update(`link:v1:${id}`).digest().subarray(0, 16);
  return {
    sign(id) {
      return `${id}.${mac(id).toString('base64url')}`;
    },
    verify(token) {
      if (typeof token !== 'string' || token.length > 40) return null;
      const m = LINK_TOKEN.exec(token);
      if (!m) return null;
      const given = Buffer.from(m[2]!, 'base64url');
      // 22 base64url characters carry 132 bits for a 128-bit MAC: the last one's
      // spare bits are ignored by the decoder, so several spellings decode alike.
      // Only the canonical one is the token we issued; a tampered spelling is refused.
      if (given.toString('base64url') !== m[2]) return null;
      const expected = mac(m[1]!);
      // Lengths are equal by the pattern; timingSafeEqual throws otherwise.
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      return m[1]!;
    },
  };
}
