import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../src/logger.ts';
import type { MailJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import { ensureConsumerGroup } from '../src/redis/streams.ts';

/**
 * Moves owed confirmations from the confirmation stream (written by the signup
 * script in the same step as the signup) onto the mail queue, up to 200 per
 * round trip. A consumer group makes it safe with any number of worker
 * processes; an entry is acknowledged only once its job is on the queue, and
 * entries a crashed relay had taken are claimed again after `reclaimAfterMs`.
 * Job ids come from the entry ids, so re-adding after a crash adds nothing twice.
 */
const GROUP = 'relay';

export interface ConfirmationRelay {
  close(): Promise<void>;
}

export function startConfirmationRelay(
  /** `redis`: a connection of the relay's own (it blocks on it), ended by close(). */
  deps: { redis: RedisClient; stream: string; queue: Queue<MailJob>; logger: Logger },
  opts: { batch?: number; blockMs?: number; reclaimAfterMs?: number } = {},
): ConfirmationRelay {
  const { redis, stream, queue, logger } = deps;
  const batch = opts.batch ?? 200;
  const blockMs = opts.blockMs ?? 1_000;
  const reclaimAfterMs = opts.reclaimAfterMs ?? 30_000;
  const consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let running = true;
  let lastReclaim = 0;

  const relay = async (entries: [string, string[]][]) => {
    if (!entries.length) return;
    await queue.addBulk(
      entries.map(([entryId, fields]) => ({
        name: 'confirm',
        data: { kind: 'confirm' as const, subscriberId: fields[fields.indexOf('id') + 1]! },
        opts: { jobId: `confirm-${entryId}` },
      })),
    );
    const ids = entries.map(([id]) => id);
    await redis.multi().xack(stream, GROUP, ...ids).xdel(stream, ...ids).exec();
  };

  const createGroup = () => ensureConsumerGroup(redis, stream, GROUP);

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
          const [, stale] = (await redis.xautoclaim(stream, GROUP, consumer, reclaimAfterMs, '0', 'COUNT', batch)) as [string, [string, string[]][]];
          await relay(stale.filter((e) => e[1]));
        }
        const res = (await redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', batch, 'BLOCK', blockMs, 'STREAMS', stream, '>')) as
          | [string, [string, string[]][]][]
          | null;
        if (res) await relay(res[0]![1]);
      } catch (e) {
        if (!running) break;
        // The stream (and its group) went away, e.g. deleted by hand: start again from what is there.
        if (/NOGROUP/.test((e as Error).message)) needGroup = true;
        logger.warn({ err: (e as Error).message }, 'confirmation relay: will try again');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const done = loop();

  return {
    async close() {
      running = false;
      // Ends a blocking read at once. Entries taken but not yet acknowledged are claimed again later.
      redis.disconnect();
      await done.catch(() => undefined);
    },
  };
}
