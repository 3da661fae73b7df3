import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * Lua: two fixed windows, per IP then global, counted in the signup script
 * itself (no round trip of their own). checkWindows(w) takes the six values of
 * SignupWindows.args from ARGV[w] on and returns nil when allowed, else
 * {1 (ip) | 2 (global), ttl}. A request refused per IP does not count against
 * the global window.
 */
export const CHECK_WINDOWS_LUA = `
local function hitWindow(key, window)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then redis.call('EXPIRE', key, window); ttl = tonumber(window) end
  return n, ttl
end
local function checkWindows(w)
  local n, ttl = hitWindow(ARGV[w], ARGV[w + 1])
  if n > tonumber(ARGV[w + 2]) then return {1, ttl} end
  n, ttl = hitWindow(ARGV[w + 3], ARGV[w + 4])
  if n > tonumber(ARGV[w + 5]) then return {2, ttl} end
  return nil
end
`;

/** The windows one request counts against, as script arguments: key, seconds, limit (per IP, then global). */
export interface SignupWindows {
  args: (string | number)[];
}

/** A signup refused by a window: which one, and when to come back. */
export interface LimitRefusal {
  limit: 'ip' | 'global';
  retryAfterSec: number;
}

/** What checkWindows returned, for the caller. */
export function limitRefusal(which: number, ttl: number): LimitRefusal {
  return { limit: which === 1 ? 'ip' : 'global', retryAfterSec: Math.max(1, ttl) };
}

export interface SignupLimits {
  /** The per-IP and global windows a signup from this address counts against. */
  windows(ip: string): SignupWindows;
  /** True once per address per window: at most one confirmation email each window. */
  claimConfirmationSlot(subscriberId: string): Promise<boolean>;
}

/** Limits live in Redis so they hold across any number of API processes. */
export function createSignupLimits(
  redis: RedisClient,
  keys: Keyspace,
  opts: { perIpPerHour: number; globalPerMinute: number; confirmWindowSec: number },
): SignupLimits {
  return {
    windows(ip) {
      return { args: [keys.rate('signup-ip', ip), 3600, opts.perIpPerHour, keys.rate('signup-global', 'all'), 60, opts.globalPerMinute] };
    },
    async claimConfirmationSlot(subscriberId) {
      const ok = await redis.set(keys.confirmSentGuard(subscriberId), '1', 'EX', opts.confirmWindowSec, 'NX');
      return ok === 'OK';
    },
  };
}
