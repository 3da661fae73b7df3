import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { Validators } from './fetchFeed.ts';

/**
 * What the feed watcher remembers in Redis, under the services' prefix:
 * - per feed: the HTTP validators, when it was primed, the last outcome;
 * - one seen-set for all feeds (a hash: item identity -> what became of it),
 *   so the same item in an RSS and an Atom feed of one site is still one brief;
 * - per created brief: which feed and item it came from (for the editors' notice);
 * - a per-feed lock, so two polls of one feed never overlap.
 */

export const feedIdFor = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

/** Item identities: its guid/id and its link, so a re-guided republish is still recognised. */
export const identitiesOf = (item: { id: string; link?: string }) => [`id:${item.id}`, ...(item.link ? [`link:${item.link}`] : [])];

// KEYS[1] seen hash; ARGV[1] value, ARGV[2..] identities. Claims them all, or none if any is known.
const CLAIM = `
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then return 0 end
end
for i = 2, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
return 1
`;

const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface FeedState extends Validators {
  primedAt?: string;
}

export function createFeedState(redis: RedisClient, keys: Keyspace) {
  const k = (...parts: string[]) => [keys.prefix, 'feed', ...parts].join(':');
  const seenKey = k('seen');
  return {
    keys: { seen: seenKey, feed: (feedId: string) => k(feedId), brief: (briefId: string) => k('brief', briefId) },

    async get(feedId: string): Promise<FeedState> {
      const h = await redis.hgetall(k(feedId));
      return { etag: h.etag || undefined, lastModified: h.lastModified || undefined, primedAt: h.primedAt || undefined };
    },

    async saveValidators(feedId: string, v: Validators): Promise<void> {
      await redis.hset(k(feedId), { etag: v.etag ?? '', lastModified: v.lastModified ?? '' });
    },

    async recordOutcome(feedId: string, url: string, outcome: string): Promise<void> {
      await redis.hset(k(feedId), { url, lastPollAt: new Date().toISOString(), lastOutcome: outcome });
    },

    /** First poll: everything present is history, remembered so it is never sent. */
    async prime(feedId: string, identities: string[]): Promise<void> {
      const pipe = redis.pipeline();
      for (const id of identities) pipe.hsetnx(seenKey, id, 'primed');
      pipe.hset(k(feedId), 'primedAt', new Date().toISOString());
      await pipe.exec();
    },

    /** True once per item ever: the caller that gets true owns turning it into a brief. */
    async claim(identities: string[]): Promise<boolean> {
      return (await redis.eval(CLAIM, 1, seenKey, 'claimed', ...identities)) === 1;
    },

    async settle(identities: string[], value: string): Promise<void> {
      const pipe = redis.pipeline();
      for (const id of identities) pipe.hset(seenKey, id, value);
      await pipe.exec();
    },

    /** Gives a claim back after a failure that a later poll may get past (Redis hiccup). */
    async release(identities: string[]): Promise<void> {
      await redis.hdel(seenKey, ...identities);
    },

    async recordBrief(briefId: string, info: { feedId: string; itemId: string; dispatchId?: string }): Promise<void> {
      await redis.hset(k('brief', briefId), { feedId: info.feedId, itemId: info.itemId, dispatchId: info.dispatchId ?? '' });
    },

    async briefOrigin(briefId: string): Promise<{ feedId: string; dispatchId?: string } | null> {
      const h = await redis.hgetall(k('brief', briefId));
      return h.feedId ? { feedId: h.feedId, dispatchId: h.dispatchId || undefined } : null;
    },

    /** A lease, not a mutex held forever: it expires if its holder dies mid-poll. */
    async lock(feedId: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
      const token = randomUUID();
      const ok = await redis.set(k(feedId, 'lock'), token, 'PX', ttlMs, 'NX');
      if (ok !== 'OK') return null;
      return async () => {
        await redis.eval(RELEASE_LOCK, 1, k(feedId, 'lock'), token);
      };
    },
  };
}

export type FeedStateStore = ReturnType<typeof createFeedState>;
