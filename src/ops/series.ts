import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * The per-minute series behind the ops charts, kept in Redis so one page sees
 * every worker process. One hash per epoch minute; its fields are
 * - `emails:<lane>:<outcome>`: copies sent, suppressed or failed by class (summed: every worker adds its own);
 * - `feedback:<kind>`: bounces, complaints… reported back (summed);
 * - `queue:<queue>`: jobs waiting or running (a level: the last worker to look sets it);
 * - `progress:<dispatch id>`: the share of its audience settled (a level).
 * A minute's hash expires once it is older than RETENTION_MINUTES, so the
 * series can never grow past that many hashes of a few dozen fields.
 */
export const RETENTION_MINUTES = 6 * 60;
const MINUTE_MS = 60_000;

export type MinuteBucket = Record<string, number>;

export interface MinuteSample {
  /** Counts to add into the minute (every worker adds its own). */
  add: Record<string, number>;
  /** Levels to set (queue depth, dispatch progress): the same for every worker, so the last one wins. */
  set: Record<string, number>;
}

export interface OpsSeries {
  /** Writes one sample into the minute holding `now`, in one round trip. */
  write(sample: MinuteSample, now?: number): Promise<void>;
  /** The last `count` minutes up to the one holding `now`, oldest first (empty buckets where nothing was written). */
  read(count: number, now?: number): Promise<{ minute: number; bucket: MinuteBucket }[]>;
}

export const epochMinute = (ms: number) => Math.floor(ms / MINUTE_MS);

export const field = {
  emails: (lane: string, outcome: string) => `emails:${lane}:${outcome}`,
  feedback: (kind: string) => `feedback:${kind}`,
  queue: (name: string) => `queue:${name}`,
  progress: (dispatchId: string) => `progress:${dispatchId}`,
};

export function createOpsSeries(redis: RedisClient, keys: Keyspace): OpsSeries {
  return {
    async write(sample, now = Date.now()) {
      const minute = epochMinute(now);
      const key = keys.opsMinute(minute);
      const p = redis.pipeline();
      for (const [f, n] of Object.entries(sample.add)) if (n) p.hincrby(key, f, n);
      for (const [f, n] of Object.entries(sample.set)) p.hset(key, f, String(n));
      if (p.length === 0) return;
      // Seconds since the epoch at which this minute leaves the charts' reach: a sample older than that is gone at once.
      p.expireat(key, (minute + 1 + RETENTION_MINUTES) * 60);
      const results = await p.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },
    async read(count, now = Date.now()) {
      const last = epochMinute(now);
      const n = Math.max(1, Math.min(Math.floor(count), RETENTION_MINUTES));
      const minutes = Array.from({ length: n }, (_, i) => last - n + 1 + i);
      const p = redis.pipeline();
      for (const m of minutes) p.hgetall(keys.opsMinute(m));
      const results = (await p.exec()) ?? [];
      return minutes.map((minute, i) => {
        const [err, raw] = results[i] ?? [null, {}];
        if (err) throw err;
        const bucket: MinuteBucket = {};
        for (const [f, v] of Object.entries((raw ?? {}) as Record<string, string>)) {
          const x = Number(v);
          if (Number.isFinite(x)) bucket[f] = x;
        }
        return { minute, bucket };
      });
    },
  };
}
