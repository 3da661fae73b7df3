import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';

const lua = { planFlush: loadLua(new URL('./lua/planFlush.lua', import.meta.url)) };

/** What the planner keeps in Redis beside the dispatch store's checkpoint: its plan time, the digest log, the flush checkpoint. */
export function createPlanState(redis: RedisClient, keys: Keyspace) {
  return {
    /**
     * The dispatch's plan time, set by its first planning run (a re-run keeps
     * it, so quiet hours route alike), and its place in the digest log: the
     * briefs a daily reader's digest gathers are the ones that started sending
     * in its window.
     */
    async start(dispatchId: string, nowMs: number): Promise<number> {
      const [, planAt] = ((await redis.multi().hsetnx(keys.dispatch(dispatchId), 'planAt', nowMs).hget(keys.dispatch(dispatchId), 'planAt').exec()) ?? []).map(([err, v]) => {
        if (err) throw err;
        return v;
      });
      const at = Number(planAt) || nowMs;
      await redis.zadd(keys.digestLog, 'NX', at, dispatchId);
      return at;
    },
    async checkpoint(dispatchId: string, flush: { firstBatch: number; batches: number; cursor: number; recipients: number; daily: number }): Promise<void> {
      await runLua(redis, lua.planFlush, [keys.dispatch(dispatchId)], [flush.firstBatch, flush.batches, flush.cursor, flush.recipients, flush.daily]);
    },
  };
}
