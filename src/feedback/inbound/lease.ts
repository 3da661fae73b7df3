import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../redis/connection.ts';
import { loadLua, runLua } from '../../redis/lua.ts';

/**
 * A lease in Redis (SET NX PX with a token of our own), so one poll round
 * runs at a time across all workers. Release deletes the key only while it
 * still holds our token: a round that outlived its TTL must not end the
 * lease another worker has taken since.
 */
export interface Lease {
  acquire(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

const RELEASE = loadLua(new URL('./lua/releaseLease.lua', import.meta.url));

export function createRedisLease(redis: RedisClient, key: string): Lease {
  let token: string | undefined;
  return {
    async acquire(ttlMs) {
      const mine = randomBytes(12).toString('hex');
      const ok = (await redis.set(key, mine, 'PX', ttlMs, 'NX')) === 'OK';
      if (ok) token = mine;
      return ok;
    },
    async release() {
      if (!token) return;
      const mine = token;
      token = undefined;
      await runLua(redis, RELEASE, [key], [mine]);
    },
  };
}
