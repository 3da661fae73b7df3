import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { captureLogs, feedDeps, oldItem, rss, startFeedServer, type FeedServer } from './support.ts';

/** Issue 14, finding 16: items that break the parser, and a feed that suddenly lists many new items. */
let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
});

describe('feed item limits', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('an item nested too deep is recorded as invalid with its code, not left claimed, and the next item still becomes a brief', async () => {
    h = await createHarness();
    const url = server.url('/deep/feed');
    server.serve('/deep/feed', rss([oldItem(1)]), { etag: '"v1"' });
    await pollFeed(feedDeps(h), url);
    const deep = { ...oldItem(2), html: `<p>Intro.</p>${'<div>'.repeat(5_000)}x${'</div>'.repeat(5_000)}` };
    server.serve('/deep/feed', rss([oldItem(3), deep, oldItem(1)]), { etag: '"v2"' });
    const logs = captureLogs();
    const outcome = await pollFeed(feedDeps(h, logs.logger), url);
    expect(outcome).toMatchObject({ status: 'polled', invalid: 1 });
    expect(outcome.status === 'polled' ? outcome.created : []).toHaveLength(1);
    expect(logs.lines.some((l) => l.code === 'FEED_ITEM_TOO_DEEP')).toBe(true);
    // Remembered: a later poll neither retries it as new nor throws.
    server.serve('/deep/feed', rss([oldItem(3), deep, oldItem(1)]), { etag: '"v3"' });
    expect(await pollFeed(feedDeps(h), url)).toMatchObject({ status: 'polled', created: [], invalid: 0 });
  });

  it('takes at most FEED_MAX_NEW_ITEMS new items per poll; the rest become briefs on the next polls', async () => {
    h = await createHarness({ env: { FEED_MAX_NEW_ITEMS: '2' } });
    const url = server.url('/many/feed');
    server.serve('/many/feed', rss([oldItem(1)]), { etag: '"v1"' });
    await pollFeed(feedDeps(h), url);
    const fresh = [oldItem(7), oldItem(6), oldItem(5), oldItem(4), oldItem(3)];
    server.serve('/many/feed', rss([...fresh, oldItem(1)]), { etag: '"v2"' });
    const logs = captureLogs();
    const first = await pollFeed(feedDeps(h, logs.logger), url);
    expect(first.status === 'polled' ? first.created : []).toHaveLength(2);
    expect(logs.lines.some((l) => l.code === 'FEED_NEW_ITEMS_CAPPED')).toBe(true);
    const second = await pollFeed(feedDeps(h), url);
    expect(second.status === 'polled' ? second.created : []).toHaveLength(2);
    const third = await pollFeed(feedDeps(h), url);
    expect(third.status === 'polled' ? third.created : []).toHaveLength(1);
    const titles = (await h.services.briefs.list({ limit: 10 })).map((b) => b.brief.title).sort();
    expect(titles).toEqual(['Older brief 3', 'Older brief 4', 'Older brief 5', 'Older brief 6', 'Older brief 7']);
  });

  it('tells the editors once when a feed lists more new items than one poll takes', async () => {
    h = await createHarness({ workers: true, env: { FEED_MAX_NEW_ITEMS: '1', FEED_NOTIFY: 'desk@example.org' } });
    const url = server.url('/backlog/feed');
    server.serve('/backlog/feed', rss([oldItem(1)]), { etag: '"v1"' });
    await pollFeed(feedDeps(h), url);
    server.serve('/backlog/feed', rss([oldItem(4), oldItem(3), oldItem(2), oldItem(1)]), { etag: '"v2"' });
    await pollFeed(feedDeps(h), url);
    await pollFeed(feedDeps(h), url);
    const backlog = () => h.smtp.to('desk@example.org').filter((m) => /more new items than one poll takes/.test(m.parsed.subject ?? ''));
    await h.smtp.waitFor(() => backlog().length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(backlog()).toHaveLength(1);
    expect(backlog()[0]!.parsed.text).toContain(url);
  });

  it('an item that keeps failing to be stored is retried on later polls, then recorded as failed', async () => {
    h = await createHarness();
    const url = server.url('/flaky/feed');
    server.serve('/flaky/feed', rss([oldItem(1)]), { etag: '"v1"' });
    await pollFeed(feedDeps(h), url);
    server.serve('/flaky/feed', rss([oldItem(2), oldItem(1)]));
    const logs = captureLogs();
    const failing = { ...feedDeps(h, logs.logger), briefs: { ...h.services.briefs, create: async () => Promise.reject(new Error('store unavailable')) } };
    for (let i = 0; i < 3; i++) await expect(pollFeed(failing, url)).rejects.toThrow('store unavailable');
    expect(logs.lines.some((l) => l.code === 'FEED_ITEM_GAVE_UP')).toBe(true);
    // Given up: a healthy poll afterwards neither retries it nor fails.
    expect(await pollFeed(feedDeps(h), url)).toMatchObject({ status: 'polled', created: [] });
  });
});
