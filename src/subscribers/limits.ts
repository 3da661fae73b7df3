import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/** Fixed-window counter: INCR and set the window's expiry once. Returns {count, ttl}. */
const HIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterSec: number; limit: string };

export interface SignupLimits {
  /** Counts one signup attempt against the per-IP and global windows. */
  hit(ip: string): Promise<LimitVerdict>;
  /** True once per address per window: at most one confirmation email each window. */
  claimConfirmationSlot(subscriberId: string): Promise<boolean>;
}

/** Limits live in Redis so they hold across any number of API processes. */
export function createSignupLimits(
  redis: RedisClient,
  keys: Keyspace,
  opts: { perIpPerHour: number; globalPerMinute: number; confirmWindowSec: number },
): SignupLimits {
  const hit = async (key: string, windowSec: number) => (await redis.eval(HIT, 1, key, windowSec)) as [number, number];
  return {
    async hit(ip) {
      const [ipCount, ipTtl] = await hit(keys.rate('signup-ip', ip), 3600);
      if (ipCount > opts.perIpPerHour) return { allowed: false, retryAfterSec: Math.max(1, ipTtl), limit: 'ip' };
      const [globalCount, globalTtl] = await hit(keys.rate('signup-global', 'all'), 60);
      if (globalCount > opts.globalPerMinute) return { allowed: false, retryAfterSec: Math.max(1, globalTtl), limit: 'global' };
      return { allowed: true };
    },
    async claimConfirmationSlot(subscriberId) {
      const ok = await redis.set(keys.confirmSentGuard(subscriberId), '1', 'EX', opts.confirmWindowSec, 'NX');
      return ok === 'OK';
    },
  };
}
