import { createHash, randomUUID } from 'node:crypto';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';
import type { Validators } from './fetchFeed.ts';

/**
 * What the feed watcher remembers in Redis (keys.ts names each key):
 * - per feed: the HTTP validators, when it was primed, the last outcome;
 * - one seen-set for all feeds (a hash: item identity -> what became of it),
 *   so the same item in an RSS and an Atom feed of one site is still one brief;
 * - per created brief: which feed and item it came from (for the editors' notice);
 * - a per-feed lock, so two polls of one feed never overlap.
 */

export const feedIdFor = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

/** Item identities: its guid/id and its link, so a re-guided republish is still recognised. */
export const identitiesOf = (item: { id: string; link?: string }) => [`id:${item.id}`, ...(item.link ? [`link:${item.link}`] : [])];

const CLAIM = loadLua(new URL('./lua/claimItem.lua', import.meta.url));
const RELEASE_LOCK = loadLua(new URL('./lua/releaseLock.lua', import.meta.url));

export interface FeedState extends Validators {
  primedAt?: string;
}

export function createFeedState(redis: RedisClient, keys: Keyspace) {
  const seenKey = keys.feedSeen;
  return {
    keys: { seen: seenKey, feed: keys.feed, brief: keys.feedBrief },

    async get(feedId: string): Promise<FeedState> {
      const h = await redis.hgetall(keys.feed(feedId));
      return { etag: h.etag || undefined, lastModified: h.lastModified || undefined, primedAt: h.primedAt || undefined };
    },

    async saveValidators(feedId: string, v: Validators): Promise<void> {
      await redis.hset(keys.feed(feedId), { etag: v.etag ?? '', lastModified: v.lastModified ?? '' });
    },

    async recordOutcome(feedId: string, url: string, outcome: string): Promise<void> {
      await redis.hset(keys.feed(feedId), { url, lastPollAt: new Date().toISOString(), lastOutcome: outcome });
    },

    /** First poll: everything present is history, remembered so it is never sent. */
    async prime(feedId: string, identities: string[]): Promise<void> {
      const pipe = redis.pipeline();
      for (const id of identities) pipe.hsetnx(seenKey, id, 'primed');
      pipe.hset(keys.feed(feedId), 'primedAt', new Date().toISOString());
      await pipe.exec();
    },

    /** True once per item ever: the caller that gets true owns turning it into a brief. */
    async claim(identities: string[]): Promise<boolean> {
      return (await runLua(redis, CLAIM, [seenKey], ['claimed', ...identities])) === 1;
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

    /**
     * A failure a later poll may get past: the claim is given back, up to `maxAttempts` polls;
     * then the item is settled as failed, so it neither blocks nor retries for ever.
     */
    async failed(identities: string[], maxAttempts: number): Promise<'retry' | 'gave-up'> {
      const attempts = await redis.hincrby(keys.feedFailures, identities[0]!, 1);
      if (attempts < maxAttempts) {
        await redis.hdel(seenKey, ...identities);
        return 'retry';
      }
      const pipe = redis.pipeline();
      for (const id of identities) pipe.hset(seenKey, id, 'failed');
      pipe.hdel(keys.feedFailures, identities[0]!);
      await pipe.exec();
      return 'gave-up';
    },

    async recordBrief(briefId: string, info: { feedId: string; itemId: string; dispatchId?: string }): Promise<void> {
      await redis.hset(keys.feedBrief(briefId), { feedId: info.feedId, itemId: info.itemId, dispatchId: info.dispatchId ?? '' });
    },

    async briefOrigin(briefId: string): Promise<{ feedId: string; dispatchId?: string } | null> {
      const h = await redis.hgetall(keys.feedBrief(briefId));
      return h.feedId ? { feedId: h.feedId, dispatchId: h.dispatchId || undefined } : null;
    },

    /** A lease, not a mutex held forever: it expires if its holder dies mid-poll. */
    async lock(feedId: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
      const token = randomUUID();
      const lockKey = keys.feedLock(feedId);
      const ok = await redis.set(lockKey, token, 'PX', ttlMs, 'NX');
      if (ok !== 'OK') return null;
      return async () => {
        await runLua(redis, RELEASE_LOCK, [lockKey], [token]);
      };
    },
  };
}

export type FeedStateStore = ReturnType<typeof createFeedState>;
