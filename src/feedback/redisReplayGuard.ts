import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { ReplayGuard } from './webhooks/replayGuard.ts';

/**
 * The webhooks' replay guard on Redis, shared by every API process: a claim is
 * `SET key 1 NX EX ttl`, so exactly one of two concurrent deliveries of an
 * event wins, and `forget` is `DEL` (the intake failed: the retry must count).
 */
export function createRedisReplayGuard(redis: RedisClient, keys: Keyspace): ReplayGuard {
  return {
    async firstTime(id, ttlSec) {
      return (await redis.set(keys.webhookSeen(id), '1', 'EX', Math.max(1, Math.ceil(ttlSec)), 'NX')) === 'OK';
    },
    async forget(id) {
      await redis.del(keys.webhookSeen(id));
    },
  };
}
