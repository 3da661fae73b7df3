import { Queue, type JobsOptions } from 'bullmq';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * Four queues here, two lanes (the fifth, `digest`, is in src/digests/queue.ts):
 * - mail: the transactional lane (confirmations, test copies, feed notices); never waits behind a bulk send;
 * - dispatch and deliver: the bulk lane: one planning job per dispatch, then batches of recipient ids;
 * - feed: one scheduled poll per configured feed.
 * Payloads carry ids only: never bodies, never addresses.
 */
export const QUEUE_NAMES = { mail: 'mail', dispatch: 'dispatch', deliver: 'deliver', feed: 'feed' } as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export type MailJob =
  | { kind: 'confirm'; subscriberId: string }
  | { kind: 'test'; requestId: string }
  /** Tells the configured editors that the feed brought in a brief. */
  | { kind: 'feed-notice'; briefId: string }
  /** Tells them a feed listed more new items than FEED_MAX_NEW_ITEMS (the rest wait for later polls). */
  | { kind: 'feed-backlog'; feedId: string; waiting: number };
export type DispatchJob = { dispatchId: string };
/** `throttledSince`: when the relay first asked this batch to slow down (ms); bounds the wait by THROTTLE_MAX_MS. */
export type DeliverJob = { dispatchId: string; batch: number; ids: string[]; throttledSince?: number };
/** One poll of one configured feed; the id resolves to a URL from config. */
export type FeedJob = { feedId: string };

export interface Queues {
  mail: Queue<MailJob>;
  dispatch: Queue<DispatchJob>;
  deliver: Queue<DeliverJob>;
  feed: Queue<FeedJob>;
  all(): Queue[];
  close(): Promise<void>;
}

/** Names get a suffix in tests so each test file has queues of its own. */
export function queueNames(suffix = ''): Record<keyof typeof QUEUE_NAMES, string> {
  return {
    mail: QUEUE_NAMES.mail + suffix,
    dispatch: QUEUE_NAMES.dispatch + suffix,
    deliver: QUEUE_NAMES.deliver + suffix,
    feed: QUEUE_NAMES.feed + suffix,
  };
}

const keep: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  // Capped by count as well as age: under a flood of refusals, kept failures must not grow Redis without bound.
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

export function createQueues(connection: RedisClient, keys: Keyspace, names = queueNames()): Queues {
  const opts = { connection, prefix: keys.queuePrefix };
  const mail = new Queue<MailJob>(names.mail, {
    ...opts,
    defaultJobOptions: { ...keep, attempts: 6, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  });
  const dispatch = new Queue<DispatchJob>(names.dispatch, {
    ...opts,
    defaultJobOptions: { ...keep, attempts: 10, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
  });
  const deliver = new Queue<DeliverJob>(names.deliver, { ...opts, defaultJobOptions: { ...keep } });
  // A failed poll is not retried as a job: the next scheduled poll is the retry.
  const feed = new Queue<FeedJob>(names.feed, {
    ...opts,
    defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 500 }, attempts: 1 },
  });
  const all = () => [mail, dispatch, deliver, feed] as Queue[];
  return {
    mail,
    dispatch,
    deliver,
    feed,
    all,
    async close() {
      await Promise.all(all().map((q) => q.close()));
    },
  };
}
