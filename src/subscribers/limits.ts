import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';

const CLAIM_SLOT = loadLua(new URL('./lua/claimConfirmationSlot.lua', import.meta.url));

/**
 * The windows one request counts against, counted by the signup script itself
 * (lua/includes/checkWindows.lua: no round trip of their own): their two
 * counters' keys (per IP, then global), and per window its seconds and limit.
 */
export interface SignupWindows {
  keys: [ip: string, global: string];
  args: [ipWindowSec: number, ipLimit: number, globalWindowSec: number, globalLimit: number];
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
  /** True once per address per window (and again for the same job's re-run): at most one confirmation email each window. */
  claimConfirmationSlot(subscriberId: string, jobId: string): Promise<boolean>;
}

/** Limits live in Redis so they hold across any number of API processes. */
export function createSignupLimits(
  redis: RedisClient,
  keys: Keyspace,
  opts: { perIpPerHour: number; globalPerMinute: number; confirmWindowSec: number },
): SignupLimits {
  return {
    windows(ip) {
      return { keys: [keys.rate('signup-ip', ip), keys.rate('signup-global', 'all')], args: [3600, opts.perIpPerHour, 60, opts.globalPerMinute] };
    },
    async claimConfirmationSlot(subscriberId, jobId) {
      return (await runLua(redis, CLAIM_SLOT, [keys.confirmSentGuard(subscriberId)], [jobId, opts.confirmWindowSec])) === 1;
    },
  };
}
