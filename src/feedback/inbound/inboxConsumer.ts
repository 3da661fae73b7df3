import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../../logger.ts';
import type { RedisClient } from '../../redis/connection.ts';
import { ensureConsumerGroup } from '../../redis/streams.ts';
import { decodeInboxEntry, type InboxEntry } from './inbox.ts';

/**
 * Reads the feedback inbox in a consumer group, in the style of the
 * confirmation relay: any number of worker processes share the group, an
 * entry is acknowledged (and deleted) only once `handle` resolved, and an
 * entry a crashed or failed attempt left pending is claimed again after
 * `reclaimAfterMs`. One that keeps failing (XPENDING's delivery count past
 * `maxDeliveries`) goes to the dead-letter stream with its error, so it
 * cannot block the group and is not lost.
 *
 * `handle` must be idempotent (delivery is at least once: dedupe on
 * `messageDigest(entry.raw)`) and finish well within `reclaimAfterMs`, or a
 * second consumer takes the entry while the first still works on it.
 */

export interface InboxConsumerOptions {
  /** A connection of the consumer's own (it blocks on it), ended by close(). */
  redis: RedisClient;
  streamKey: string;
  group: string;
  /**
   * Where an entry goes that its handler failed `maxDeliveries` times, with
   * the error, for an operator. Same hash tag as `streamKey` (one MULTI moves it).
   */
  deadLetterKey: string;
  handle(entry: InboxEntry, entryId: string): Promise<void>;
  logger: Logger;
  /** Entries per read. Default 10: each may be a 10 MB message. */
  batch?: number;
  blockMs?: number;
  /** An entry taken but not acknowledged this long ago is claimed again (a crashed or failed attempt). Default 60 s. */
  reclaimAfterMs?: number;
  /** Deliveries (XPENDING's count) before an entry is dead-lettered. Default 5. */
  maxDeliveries?: number;
  /** MAXLEN ~ of the dead-letter stream. Default DEAD_LETTER_MAX_LEN. */
  deadLetterMaxLen?: number;
  /** How long close() lets the entry in hand finish. Default 5 s. */
  closeGraceMs?: number;
  /** Consumer name within the group; default host-pid-random. */
  consumer?: string;
}

export interface InboxConsumer {
  close(): Promise<void>;
}

/**
 * 1,000 entries: real bounces are tens of KB, so that is a few tens of MB of
 * operator backlog, and trimming (oldest first) stops a flood of hostile
 * 10 MB messages short of ~10 GB. Its length (XLEN) is what says an operator
 * has something to look at.
 */
export const DEAD_LETTER_MAX_LEN = 1_000;

/**
 * Keeps a message for an operator in the dead-letter stream, in the same
 * shape the consumer uses: the entry's fields plus `error` and `deadAt` (and
 * `inboxId` when given). For a handler that read a message and found it
 * unreadable: it stores it here and resolves, instead of throwing (which
 * would only retry it `maxDeliveries` times first).
 */
export async function keepForOperator(
  redis: RedisClient,
  deadLetterKey: string,
  entry: InboxEntry,
  reason: string,
  opts: { inboxId?: string; maxLen?: number } = {},
): Promise<string> {
  const fields: (string | Buffer)[] = ['raw', entry.raw, 'envelopeTo', JSON.stringify(entry.envelopeTo), 'source', entry.source, 'receivedAt', entry.receivedAt];
  if (entry.remoteIp) fields.push('remoteIp', entry.remoteIp);
  if (opts.inboxId) fields.push('inboxId', opts.inboxId);
  fields.push('error', reason.slice(0, 2_000), 'deadAt', new Date().toISOString());
  const maxLen = String(opts.maxLen ?? DEAD_LETTER_MAX_LEN);
  return (await redis.xadd(deadLetterKey, 'MAXLEN', '~', maxLen, '*', ...(fields as [string]))) as string;
}
const REMEMBERED_ERRORS = 1_000;

type RawEntry = [id: Buffer, fields: Buffer[] | null];

export function startInboxConsumer(opts: InboxConsumerOptions): InboxConsumer {
  const { redis, streamKey, group, deadLetterKey, handle, logger } = opts;
  const batch = opts.batch ?? 10;
  const blockMs = opts.blockMs ?? 1_000;
  const reclaimAfterMs = opts.reclaimAfterMs ?? 60_000;
  const maxDeliveries = opts.maxDeliveries ?? 5;
  const deadLetterMaxLen = opts.deadLetterMaxLen ?? DEAD_LETTER_MAX_LEN;
  const consumer = opts.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // The last error per entry this process saw, for the dead letter if this process is the one that gives up.
  const lastErrors = new Map<string, string>();
  let running = true;
  let reading = false;
  let lastReclaim = 0;

  const remember = (id: string, message: string) => {
    lastErrors.delete(id);
    lastErrors.set(id, message);
    if (lastErrors.size > REMEMBERED_ERRORS) lastErrors.delete(lastErrors.keys().next().value!);
  };

  const ack = async (id: string) => {
    await redis.multi().xack(streamKey, group, id).xdel(streamKey, id).exec();
    lastErrors.delete(id);
  };

  const deadLetter = async (id: string, fields: Buffer[], deliveries: number, error: string) => {
    const meta = ['inboxId', id, 'deliveries', String(deliveries), 'error', error.slice(0, 2_000), 'deadAt', new Date().toISOString()];
    const results = await redis
      .multi()
      .xadd(deadLetterKey, 'MAXLEN', '~', String(deadLetterMaxLen), '*', ...(fields as unknown as string[]), ...meta)
      .xack(streamKey, group, id)
      .xdel(streamKey, id)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('dead-letter MULTI was aborted');
    lastErrors.delete(id);
    logger.error({ inboxId: id, deliveries, err: error }, 'feedback inbox: entry moved to the dead-letter stream for an operator');
  };

  const processEntry = async (id: string, fields: Buffer[], deliveries: number) => {
    if (deliveries > maxDeliveries) {
      const why = lastErrors.get(id) ?? `not acknowledged after ${deliveries - 1} deliveries: a consumer stopped or hung while handling it`;
      return deadLetter(id, fields, deliveries, why);
    }
    let entry: InboxEntry;
    try {
      entry = decodeInboxEntry(fields);
    } catch (e) {
      return deadLetter(id, fields, deliveries, (e as Error).message);
    }
    try {
      await handle(entry, id);
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      if (deliveries >= maxDeliveries) return deadLetter(id, fields, deliveries, message);
      remember(id, message);
      // Left pending: claimed again after reclaimAfterMs, by this consumer or another.
      logger.warn({ inboxId: id, deliveries, err: message }, 'feedback inbox: handler failed, will retry');
      return;
    }
    await ack(id);
  };

  const deliveryCounts = async (ids: string[]): Promise<Map<string, number>> => {
    const pipe = redis.pipeline();
    for (const id of ids) pipe.xpending(streamKey, group, id, id, 1);
    const replies = (await pipe.exec()) ?? [];
    const counts = new Map<string, number>();
    for (const [err, reply] of replies) {
      const row = !err && Array.isArray(reply) ? (reply[0] as [string, string, number, number] | undefined) : undefined;
      if (row) counts.set(String(row[0]), Number(row[3]));
    }
    return counts;
  };

  const reclaim = async () => {
    let cursor = '0-0';
    // One pass over the pending list per reclaim; bounded so new mail is not starved by a long list.
    for (let pass = 0; pass < 10 && running; pass++) {
      const reply = (await redis.callBuffer('XAUTOCLAIM', streamKey, group, consumer, reclaimAfterMs, cursor, 'COUNT', batch)) as [Buffer, RawEntry[]];
      cursor = reply[0].toString();
      // Redis 6.2 returns entries deleted since they were read with no fields: nothing to do but forget them.
      const gone = reply[1].filter((e) => !e?.[1]).map((e) => e?.[0]?.toString()).filter((id): id is string => !!id);
      if (gone.length) await redis.xack(streamKey, group, ...gone);
      const live = reply[1].filter((e): e is [Buffer, Buffer[]] => !!e?.[1]);
      const counts = await deliveryCounts(live.map(([id]) => id.toString()));
      for (const [rawId, fields] of live) {
        if (!running) return;
        const id = rawId.toString();
        // Not in the pending list any more: another consumer finished it in the meantime.
        const deliveries = counts.get(id);
        if (deliveries !== undefined) await processEntry(id, fields, deliveries);
      }
      if (cursor === '0-0') return;
    }
  };

  const createGroup = () => ensureConsumerGroup(redis, streamKey, group);

  const loop = async () => {
    let needGroup = true;
    while (running) {
      try {
        if (needGroup) {
          await createGroup();
          needGroup = false;
        }
        if (Date.now() - lastReclaim > reclaimAfterMs / 2) {
          lastReclaim = Date.now();
          await reclaim();
        }
        if (!running) break;
        reading = true;
        const res = (await redis.xreadgroupBuffer('GROUP', group, consumer, 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', streamKey, '>')) as
          | [Buffer, RawEntry[]][]
          | null;
        reading = false;
        for (const [rawId, fields] of res?.[0]?.[1] ?? []) {
          if (!running) break;
          if (fields) await processEntry(rawId.toString(), fields, 1);
        }
      } catch (e) {
        reading = false;
        if (!running) break;
        // The stream (and its group) went away, e.g. deleted by hand: start again from what is there.
        if (/NOGROUP/.test((e as Error).message)) needGroup = true;
        logger.warn({ err: (e as Error).message }, 'feedback inbox consumer: will try again');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const done = loop();

  return {
    async close() {
      running = false;
      // A blocking read ends at once; an entry in hand gets a moment to be handled and acknowledged.
      if (reading) redis.disconnect();
      const settled = (ms: number) => {
        let timer: NodeJS.Timeout | undefined;
        return Promise.race([done, new Promise((r) => (timer = setTimeout(r, ms)))])
          .catch(() => undefined)
          .finally(() => clearTimeout(timer));
      };
      await settled(opts.closeGraceMs ?? 5_000);
      // A handler still running past the grace is left behind: its entry stays pending and is claimed again.
      redis.disconnect();
      await settled(200);
    },
  };
}
