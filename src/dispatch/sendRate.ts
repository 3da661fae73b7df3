import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';

/**
 * The global send-rate cap (SEND_RATE messages per second, across every worker
 * process): a per-second counter in Redis. A sender over the cap waits for the
 * next second. 0 disables it.
 */
const TAKE = loadLua(new URL('./lua/takeSendSlot.lua', import.meta.url));

export interface SendRateLimiter {
  /** True when a cap is set, so acquire() may wait. */
  readonly limited: boolean;
  /** Resolves when this process may send one more message. */
  acquire(): Promise<void>;
}

export function createSendRateLimiter(redis: RedisClient, keys: Keyspace, perSecond: number): SendRateLimiter {
  if (perSecond <= 0) return { limited: false, acquire: async () => {} };
  return {
    limited: true,
    async acquire() {
      for (;;) {
        const now = Date.now();
        const second = Math.floor(now / 1000);
        const n = (await runLua(redis, TAKE, [keys.sendRate(second)])) as number;
        if (n <= perSecond) return;
        await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + Math.floor(Math.random() * 20)));
      }
    },
  };
}
