import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';

const lua = {
  take: loadLua(new URL('./lua/take.lua', import.meta.url)),
  createSend: loadLua(new URL('./lua/createSend.lua', import.meta.url)),
};

/** A digest run's record of its time and its digest sends lives a week: long enough for any retry. */
const RUN_TTL_SEC = 7 * 24 * 3600;
const AT = '@at';

/** What the digest run reads of a daily reader. */
export interface DailyReader {
  id: string;
  /** null: erased. */
  status: string | null;
  topics: string;
  cadence: string;
  timeZone: string;
  /** '' when none is stored. */
  digestFrom: string;
}

export type TakeAction = 'push' | 'advance' | 'forget';
export interface Take {
  id: string;
  expectedFrom: string;
  /** '' keeps it. */
  newFrom: string;
  nextLook: number;
  action: TakeAction;
  /** The digest send whose members a 'push' joins. */
  sendId?: string;
}

const unwrap = <T>(replies: [Error | null, unknown][] | null): T[] =>
  (replies ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as T;
  });

/** Redis state of the daily digests: runs, digest sends and their members, the digest log, daily readers. */
export function createDigestStore(redis: RedisClient, keys: Keyspace) {
  return {
    /** The run's time: the first attempt's clock, kept for its retries so they gather the same window. */
    async runTime(runId: string, nowMs: number): Promise<number> {
      const key = keys.digestRun(runId);
      const [, at] = unwrap<string | number>(await redis.multi().hsetnx(key, AT, nowMs).hget(key, AT).expire(key, RUN_TTL_SEC).exec());
      return Number(at) || nowMs;
    },
    /** Set of briefs -> digest send, for every send this run has created (a retry finishes them all). */
    async runSends(runId: string): Promise<Map<string, string>> {
      const h = await redis.hgetall(keys.digestRun(runId));
      return new Map(Object.entries(h).filter(([k]) => k !== AT));
    },
    async createSend(runId: string, set: string, now: Date): Promise<string> {
      const id = `d${await redis.incr(keys.dispatchSeq)}`;
      const [sendId] = (await runLua(redis, lua.createSend, [keys.digestRun(runId), keys.dispatches, keys.digestSends, keys.dispatch(id)], [set, id, runId, now.toISOString(), now.getTime()])) as string[];
      return sendId!;
    },
    async take(takes: readonly Take[]): Promise<boolean[]> {
      if (!takes.length) return [];
      const k: string[] = [keys.dailySubscribers];
      const args: (string | number)[] = [];
      for (const t of takes) {
        k.push(keys.subscriber(t.id), t.sendId ? keys.digestMembers(t.sendId) : keys.subscriber(t.id));
        args.push(t.id, t.expectedFrom, t.newFrom, t.nextLook, t.action);
      }
      return ((await runLua(redis, lua.take, k, args)) as number[]).map((n) => n === 1);
    },
    /** The readers due by `atMs` (their next look has come), a page at a time. */
    due(atMs: number, limit: number): Promise<string[]> {
      return redis.zrangebyscore(keys.dailySubscribers, '-inf', atMs, 'LIMIT', 0, limit);
    },
    /** Every daily reader, a page at a time (may repeat one: the run's take makes that harmless). */
    async *all(pageSize: number): AsyncGenerator<string[]> {
      let cursor = '0';
      do {
        const [next, flat] = await redis.zscan(keys.dailySubscribers, cursor, 'COUNT', pageSize);
        cursor = next;
        const ids = flat.filter((_, i) => i % 2 === 0);
        if (ids.length) yield ids;
      } while (cursor !== '0');
    },
    async readers(ids: readonly string[]): Promise<DailyReader[]> {
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hmget(keys.subscriber(id), 'status', 'topics', 'cadence', 'timeZone', 'digestFrom');
      return unwrap<(string | null)[]>(await pipe.exec()).map(([status, topics, cadence, timeZone, digestFrom], i) => ({
        id: ids[i]!,
        status: status ?? null,
        topics: topics ?? '',
        cadence: cadence ?? '',
        timeZone: timeZone ?? '',
        digestFrom: digestFrom ?? '',
      }));
    },
    /** Brief dispatches that started sending in (fromMs, toMs], oldest first. */
    async log(fromMs: number, toMs: number): Promise<{ dispatchId: string; startedMs: number }[]> {
      const flat = await redis.zrangebyscore(keys.digestLog, `(${fromMs}`, toMs, 'WITHSCORES');
      const out: { dispatchId: string; startedMs: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ dispatchId: flat[i]!, startedMs: Number(flat[i + 1]) });
      return out;
    },
    trimLog(beforeMs: number): Promise<number> {
      return redis.zremrangebyscore(keys.digestLog, '-inf', `(${beforeMs}`);
    },
    /** Per (dispatch, reader) pair: whether the reader has an entry in that dispatch's ledger (it reached them, or tried). */
    async inLedgers(pairs: readonly { dispatchId: string; subscriberId: string }[]): Promise<boolean[]> {
      if (!pairs.length) return [];
      const pipe = redis.pipeline();
      for (const p of pairs) pipe.hexists(keys.dispatchLedger(p.dispatchId), p.subscriberId);
      return unwrap<number>(await pipe.exec()).map((n) => n === 1);
    },
    memberCount: (sendId: string) => redis.llen(keys.digestMembers(sendId)),
    members: (sendId: string, from: number, count: number) => redis.lrange(keys.digestMembers(sendId), from, from + count - 1),
    /** Once every member is in a batch the list has done its job (the batches carry the ids). */
    dropMembers: (sendId: string) => redis.del(keys.digestMembers(sendId)),
    /** The latest digest sends, newest first. */
    sendIds: (limit: number) => redis.zrevrange(keys.digestSends, 0, limit - 1),
  };
}

export type DigestStore = ReturnType<typeof createDigestStore>;
