import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { FeedJob } from '../queue/queues.ts';
import { feedIdFor } from './state.ts';

/**
 * One BullMQ job scheduler per configured feed. Upserting by a stable id is
 * idempotent, so every worker process may call this at start and there is
 * still one scheduler, hence one pending poll, per feed. Schedulers of feeds
 * no longer configured are removed.
 */

const SCHEDULER_PREFIX = 'feed-poll-';
export const feedSchedulerId = (url: string) => `${SCHEDULER_PREFIX}${feedIdFor(url)}`;

/** The configured URL behind a job's feed id; undefined when the feed left the config. */
export function feedUrlFor(config: Config, feedId: string): string | undefined {
  return config.feed.urls.find((u) => feedIdFor(u) === feedId);
}

export async function scheduleFeedPolls(queue: Queue<FeedJob>, config: Config): Promise<string[]> {
  const wanted = new Map(config.feed.urls.map((u) => [feedSchedulerId(u), feedIdFor(u)]));
  for (const s of await queue.getJobSchedulers(0, -1)) {
    if (s.key.startsWith(SCHEDULER_PREFIX) && !wanted.has(s.key)) await queue.removeJobScheduler(s.key);
  }
  for (const [id, feedId] of wanted) {
    await queue.upsertJobScheduler(
      id,
      { every: config.feed.pollIntervalSec * 1000 },
      { name: 'poll', data: { feedId }, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } } },
    );
  }
  return [...wanted.keys()];
}
