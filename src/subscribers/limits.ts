import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * Two fixed windows in one round trip: per IP (KEYS[1]) then global (KEYS[2]).
 * ARGV: ipWindowSec, ipLimit, globalWindowSec, globalLimit.
 * Returns {0} when allowed, else {1 (ip) | 2 (global), ttl}. A request refused
 * per IP does not count against the global window.
 */
const HIT = `
local function hit(key, window)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then redis.call('EXPIRE', key, window); ttl = tonumber(window) end
  return n, ttl
end
local n, ttl = hit(KEYS[1], ARGV[1])
if n > tonumber(ARGV[2]) then return {1, ttl} end
n, ttl = hit(KEYS[2], ARGV[3])
if n > tonumber(ARGV[4]) then return {2, ttl} end
return {0}
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
  // EVALSHA after the first call: the signup path makes this call on every request.
  if (typeof (redis as unknown as Record<string, unknown>).bwSignupHit !== 'function') {
    redis.defineCommand('bwSignupHit', { numberOfKeys: 2, lua: HIT });
  }
  const run = (redis as unknown as { bwSignupHit(...args: (string | number)[]): Promise<[number, number?]> }).bwSignupHit.bind(redis);
  return {
    async hit(ip) {
      const [which, ttl = 1] = await run(keys.rate('signup-ip', ip), keys.rate('signup-global', 'all'), 3600, opts.perIpPerHour, 60, opts.globalPerMinute);
      if (which === 0) return { allowed: true };
      return { allowed: false, retryAfterSec: Math.max(1, ttl), limit: which === 1 ? 'ip' : 'global' };
    },
    async claimConfirmationSlot(subscriberId) {
      const ok = await redis.set(keys.confirmSentGuard(subscriberId), '1', 'EX', opts.confirmWindowSec, 'NX');
      return ok === 'OK';
    },
  };
}
