import type { Redis } from 'ioredis';
import { keyspace } from '../../src/redis/keys.ts';

/**
 * Seeds active subscribers straight into Redis with pipelined commands, in the
 * layout of src/subscribers/lua/importRow.lua with status=active: the
 * record hash, subs:all and subs:active scored by id, the id -> topics hash
 * the planner reads, the email index and the id sequence. Consent logs are
 * left out: the dispatch path never reads them.
 *
 * Everyone is in the seed brief's audience: a third picked no topic (every
 * brief), the rest picked one of the brief's topics.
 */
const TOPIC_MIX = ['', 'Russia', 'Ukraine|Conflict'];

export const benchAddress = (id: number) => `reader${id}@bench.example.org`;

export async function seedSubscribers(redis: Redis, prefix: string, n: number, chunk = 2000): Promise<void> {
  const now = new Date().toISOString();
  const keys = keyspace(prefix);
  for (let start = 1; start <= n; start += chunk) {
    const end = Math.min(n, start + chunk - 1);
    const pipe = redis.pipeline();
    const scored: (string | number)[] = [];
    const topics: string[] = [];
    const byEmail: string[] = [];
    for (let id = start; id <= end; id++) {
      const sid = String(id);
      const email = benchAddress(id);
      const t = TOPIC_MIX[id % TOPIC_MIX.length]!;
      pipe.hset(keys.subscriber(sid), 'id', sid, 'email', email, 'identity', email, 'name', '', 'status', 'active', 'topics', t, 'createdAt', now, 'updatedAt', now, 'confirmedAt', now);
      scored.push(id, sid);
      topics.push(sid, t);
      byEmail.push(email, sid);
    }
    pipe.zadd(keys.allSubscribers, ...scored);
    pipe.zadd(keys.activeSubscribers, ...scored);
    pipe.hset(keys.activeTopics, ...topics);
    pipe.hset(keys.subscriberByEmail, ...byEmail);
    await pipe.exec();
  }
  await redis.set(keys.subscriberSeq, n);
}
