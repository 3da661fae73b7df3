import type { RedisClient } from './connection.ts';

/**
 * Creates a stream's consumer group, reading from the start of the stream:
 * entries written before any consumer existed are owed too. Idempotent: a
 * group that exists already (BUSYGROUP) is fine. Shared by the confirmation
 * relay and the feedback inbox.
 */
export async function ensureConsumerGroup(redis: RedisClient, stream: string, group: string): Promise<void> {
  await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((e: Error) => {
    if (!/BUSYGROUP/.test(e.message)) throw e;
  });
}
