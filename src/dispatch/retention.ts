import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * LEDGER_RETENTION_DAYS: a finished dispatch keeps its per-recipient detail
 * (the delivery ledger, the prebuilt message, the bounce sets) that long, then
 * only its hash with the counters remains. Without it, every send would grow
 * Redis (under noeviction) for ever: ~50 bytes a recipient plus a 35 KB message.
 * Idempotent and safe on any number of workers at once (it only deletes).
 */
const FINISHED = new Set(['done', 'cancelled', 'failed']);

/** Per-dispatch keys with per-recipient detail, dropped at the end of retention. */
export function detailKeys(keys: Keyspace, id: string): string[] {
  return [keys.dispatchLedger(id), keys.dispatchMessage(id), keys.dispatchBatchesDone(id), keys.dispatchRecent(id), keys.dispatchBounced(id), keys.dispatchComplained(id)];
}

export async function expireDispatchDetail(redis: RedisClient, keys: Keyspace, finishedBefore: Date): Promise<string[]> {
  const pruned: string[] = [];
  const cutoff = finishedBefore.getTime();
  for (let start = 0; ; start += 500) {
    const ids = await redis.zrange(keys.dispatches, String(start), String(start + 499));
    if (!ids.length) return pruned;
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hmget(keys.dispatch(id), 'status', 'finishedAt', 'detailExpiredAt');
    const rows = ((await pipe.exec()) ?? []).map(([, v]) => v as (string | null)[]);
    for (const [i, id] of ids.entries()) {
      const [status, finishedAt, expired] = rows[i] ?? [];
      if (expired || !status || !FINISHED.has(status) || !finishedAt || Date.parse(finishedAt) >= cutoff) continue;
      await redis
        .multi()
        .del(...detailKeys(keys, id))
        .hset(keys.dispatch(id), 'detailExpiredAt', new Date().toISOString())
        .exec();
      pruned.push(id);
    }
  }
}
