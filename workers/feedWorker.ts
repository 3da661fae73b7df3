import { Worker } from 'bullmq';
import type { FeedJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import type { FeedDeps } from '../src/feed/poll.ts';
import { feedUrlFor } from '../src/feed/schedule.ts';

/**
 * Polls the configured feeds when their schedulers fire. Different feeds may
 * poll side by side; one feed never overlaps itself (pollFeed holds a lease).
 * A failing feed is logged by pollFeed and the job still completes: the next
 * interval is the retry.
 */
export function startFeedWorker(deps: FeedDeps, connection: RedisClient, queueName: string): Worker<FeedJob> {
  return new Worker<FeedJob>(
    queueName,
    async (job) => {
      const url = feedUrlFor(deps.config, job.data.feedId);
      if (!url) return 'unknown-feed';
      // The feed parsers (fast-xml-parser, parse5) load with the first poll.
      const { pollFeed } = await import('../src/feed/poll.ts');
      return (await pollFeed(deps, url)).status;
    },
    { connection, prefix: deps.keys.queuePrefix, concurrency: Math.min(Math.max(deps.config.feed.urls.length, 1), 4) },
  );
}
