import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * Each reader's soft bounces within the window: a sorted set of what bounced
 * (the dispatch, so one dispatch's retries and duplicate reports count once)
 * scored by when. One MULTI per bounce: add if new, drop what left the window,
 * count. The set expires with the window, so a reader who stopped bouncing
 * (or was erased) leaves nothing behind for long, and it holds ids, never an
 * address.
 */
export interface SoftBounceCounter {
  readonly limit: number;
  readonly windowDays: number;
  /** Counts one soft bounce of `what` (a dispatch id, or an event's own key); returns the reader's count in the window. */
  record(subscriberId: string, what: string, atMs: number): Promise<number>;
  /** A delivery, a hard status change or an editor's restore: the count starts again. */
  reset(subscriberId: string): Promise<void>;
}

export function createSoftBounceCounter(redis: RedisClient, keys: Keyspace, opts: { limit: number; windowDays: number }): SoftBounceCounter {
  const windowMs = opts.windowDays * 86_400_000;
  return {
    limit: opts.limit,
    windowDays: opts.windowDays,
    async record(subscriberId, what, atMs) {
      const key = keys.softBounces(subscriberId);
      const now = Date.now();
      // A report dated in the future (a skewed clock) counts as now; one older than the window counts for nothing.
      const at = Math.min(atMs, now);
      const res = await redis
        .multi()
        .zadd(key, 'NX', at, what)
        .zremrangebyscore(key, '-inf', `(${now - windowMs}`)
        .zcard(key)
        .pexpire(key, windowMs)
        .exec();
      const failed = res?.find(([err]) => err)?.[0];
      if (!res || failed) throw failed ?? new Error('Redis aborted the soft-bounce transaction');
      return Number(res[2]![1]);
    },
    async reset(subscriberId) {
      await redis.del(keys.softBounces(subscriberId));
    },
  };
}
