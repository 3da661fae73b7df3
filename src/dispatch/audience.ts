import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { splitTopics } from '../subscribers/model.ts';

/**
 * Streams the audience: active subscribers whose topics meet `topics`, or who
 * picked none, in id order from `after`. Pages through the active index and
 * reads topics for a page at a time: memory stays flat whatever the list size.
 */
export async function* streamAudience(
  redis: RedisClient,
  keys: Keyspace,
  opts: { topics: readonly string[]; after: number; pageSize?: number },
): AsyncGenerator<{ id: string; score: number }> {
  const wanted = new Set(opts.topics);
  const pageSize = opts.pageSize ?? 2000;
  let cursor = opts.after;
  for (;;) {
    const ids = await redis.zrangebyscore(keys.activeSubscribers, `(${cursor}`, '+inf', 'LIMIT', 0, pageSize);
    if (!ids.length) return;
    const topics = await redis.hmget(keys.activeTopics, ...ids);
    for (let i = 0; i < ids.length; i++) {
      const picked = splitTopics(topics[i]);
      if (!picked.length || wanted.size === 0 || picked.some((t) => wanted.has(t))) {
        yield { id: ids[i]!, score: Number(ids[i]) };
      }
    }
    cursor = Number(ids[ids.length - 1]);
    if (ids.length < pageSize) return;
  }
}

/** Counts the audience for a topic filter (the editor sees this before confirming a send). */
export async function countAudience(redis: RedisClient, keys: Keyspace, topics: readonly string[]): Promise<number> {
  let n = 0;
  for await (const _ of streamAudience(redis, keys, { topics, after: 0, pageSize: 5000 })) n++;
  return n;
}
