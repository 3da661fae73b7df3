import { createLogger } from '../../src/logger.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import { feedSchedulerId, scheduleFeedPolls } from '../../src/feed/schedule.ts';
import { feedIdFor } from '../../src/feed/state.ts';
import { startWorkers } from '../../workers/index.ts';
import { oldItem, rss, startFeedServer, type FeedServer } from './support.ts';

describe('feed poll scheduling', () => {
  let h: Harness | undefined;
  let server: FeedServer | undefined;
  afterEach(async () => {
    await h?.close();
    await server?.close();
  });

  it('registers one scheduler per feed however many processes start, and drops feeds no longer configured', async () => {
    const urls = ['https://one.example/feed', 'https://two.example/feed/atom'];
    h = await createHarness({ env: { FEED_URL: urls.join(','), FEED_POLL_INTERVAL: '600' } });
    const queue = h.services.queues.feed;
    // Three worker processes starting side by side.
    await Promise.all([scheduleFeedPolls(queue, h.config), scheduleFeedPolls(queue, h.config), scheduleFeedPolls(queue, h.config)]);
    const schedulers = await queue.getJobSchedulers(0, -1);
    expect(schedulers.map((s) => s.key).sort()).toEqual(urls.map(feedSchedulerId).sort());
    for (const s of schedulers) expect(s.every).toBe(600_000);
    // At most one poll job waits per feed.
    const jobs = await queue.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(jobs.map((j) => j.data.feedId).sort()).toEqual(urls.map(feedIdFor).sort());

    const fewer = { ...h.config, feed: { ...h.config.feed, urls: [urls[0]!] } };
    await scheduleFeedPolls(queue, fewer);
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual([feedSchedulerId(urls[0]!)]);
  });

  it('the workers, given FEED_URL, poll the feed on their own (the first poll primes it)', async () => {
    server = await startFeedServer();
    const url = server.url('/scheduled/feed');
    server.serve('/scheduled/feed', rss([oldItem(1), oldItem(2)]));
    h = await createHarness({ env: { FEED_URL: url, FEED_POLL_INTERVAL: '600' } });
    const workers = await startWorkers(h.config, createLogger('silent'), { metrics: h.services.metrics });
    try {
      const state = await until(() => h!.services.redis.hgetall(`${h!.prefix}:feed:${feedIdFor(url)}`), (s) => s.lastOutcome === 'primed', 20_000, 'feed primed');
      expect(state.primedAt).toBeTruthy();
      expect(await h.services.briefs.list({ limit: 10 })).toEqual([]);
    } finally {
      await workers.close();
    }
  });
});
