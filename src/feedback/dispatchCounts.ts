import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';

/**
 * The dispatch's side of late feedback: `bounced` and `complained` next to
 * `sent` in its hash, each reader counted once (the dispatch's bounced set is
 * the one restore-bounced reads), and the complaint breaker.
 */
export interface DispatchFeedbackCounts {
  /** Counts a hard bounce (or a soft bounce that made the reader bounced) against the dispatch. */
  bounced(dispatchId: string, subscriberId: string): Promise<{ counted: boolean }>;
  /** Counts a complaint; `paused` when it set off the complaint breaker (the dispatch is now paused, COMPLAINT_SPIKE). */
  complained(dispatchId: string, subscriberId: string): Promise<{ counted: boolean; paused: boolean }>;
}

const countFeedback = loadLua(new URL('./lua/countFeedback.lua', import.meta.url));
const DISPATCH_ID = /^d[0-9]{1,15}$/;

export function createDispatchFeedbackCounts(redis: RedisClient, keys: Keyspace, breaker: { rate: number; minSent: number }): DispatchFeedbackCounts {
  const run = async (dispatchId: string, subscriberId: string, set: string, counter: 'bounced' | 'complained', rate: string) => {
    if (!DISPATCH_ID.test(dispatchId)) return { counted: false, paused: false };
    const [counted, paused] = (await runLua(redis, countFeedback, [keys.dispatch(dispatchId), set], [subscriberId, counter, rate, breaker.minSent])) as number[];
    return { counted: counted === 1, paused: paused === 1 };
  };
  return {
    async bounced(dispatchId, subscriberId) {
      const { counted } = await run(dispatchId, subscriberId, keys.dispatchBounced(dispatchId), 'bounced', '');
      return { counted };
    },
    complained: (dispatchId, subscriberId) => run(dispatchId, subscriberId, keys.dispatchComplained(dispatchId), 'complained', String(breaker.rate)),
  };
}
