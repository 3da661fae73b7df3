import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { splitTopics } from '../subscribers/model.ts';
import { inAudience } from './model.ts';

export interface AudienceReader {
  id: string;
  /** The audience position (the numeric id): the planner's checkpoint cursor. */
  score: number;
  topics: string[];
  /** The reader's `subs:delivery` entry (`<zone>;<cadence>`), null for an instant reader in the default zone. */
  delivery: string | null;
}

/**
 * The audience as src/dispatch/audience.ts streams it (active readers whose
 * topics meet the dispatch's, or who picked none, in id order from `after`),
 * with what the planner needs to route each reader: their topics and their
 * cadence and zone. One round trip per page of 2,000: both hashes are read in
 * one pipeline.
 */
export async function* streamAudienceWithDelivery(
  redis: RedisClient,
  keys: Keyspace,
  opts: { topics: readonly string[]; after: number; pageSize?: number },
): AsyncGenerator<AudienceReader> {
  const pageSize = opts.pageSize ?? 2000;
  let cursor = opts.after;
  for (;;) {
    const ids = await redis.zrangebyscore(keys.activeSubscribers, `(${cursor}`, '+inf', 'LIMIT', 0, pageSize);
    if (!ids.length) return;
    const replies = (await redis.pipeline().hmget(keys.activeTopics, ...ids).hmget(keys.subscriberDelivery, ...ids).exec()) ?? [];
    const failed = replies.find(([err]) => err);
    if (failed) throw failed[0];
    const [topicRows, deliveryRows] = replies.map(([, rows]) => rows as (string | null)[]);
    for (let i = 0; i < ids.length; i++) {
      const topics = splitTopics(topicRows![i]);
      if (inAudience(topics, opts.topics)) yield { id: ids[i]!, score: Number(ids[i]), topics, delivery: deliveryRows![i] ?? null };
    }
    cursor = Number(ids[ids.length - 1]);
    if (ids.length < pageSize) return;
  }
}
