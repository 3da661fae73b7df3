import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { atom, captureLogs, feedDeps, oldItem, rss, seed, seedItem, startFeedServer, type FeedServer } from './support.ts';

const EDITORS = ['editor-one@example.org', 'editor-two@example.org'];

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server.close();
});

describe('polling a feed (drafts by default)', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('remembers the archive on the first poll, then turns a new item into one draft with the seed sections, and tells the editors', async () => {
    h = await createHarness({ workers: true, env: { FEED_NOTIFY: EDITORS.join(',') } });
    const url = server.url('/draft/feed');
    server.serve('/draft/feed', rss([oldItem(2), oldItem(1)]), { etag: '"v1"' });

    expect(await pollFeed(feedDeps(h), url)).toEqual({ status: 'primed', seen: 2 });
    expect(await h.services.briefs.list({ limit: 10 })).toEqual([]);

    server.serve('/draft/feed', rss([seedItem(), oldItem(2), oldItem(1)]), { etag: '"v2"' });
    const outcome = await pollFeed(feedDeps(h), url);
    expect(outcome).toMatchObject({ status: 'polled', dispatched: [], invalid: 0 });
    const created = outcome.status === 'polled' ? outcome.created : [];
    expect(created).toHaveLength(1);

    const stored = await h.services.briefs.get(created[0]!);
    const s = seed();
    expect(stored?.source).toBe('feed');
    expect(stored?.brief).toMatchObject({ title: s.title, url: s.url, topics: s.topics, intro: s.intro, sections: s.sections, image: s.image });
    // A draft: no dispatch exists for it.
    expect(await h.services.dispatches.latestForBriefs([created[0]!])).toEqual([null]);
    // It shows in the editors' list, marked as coming from the feed.
    const list = await h.app.inject({ method: 'GET', url: '/api/briefs', headers: h.auth });
    expect(list.json().items).toMatchObject([{ id: created[0], source: 'feed', dispatch: null }]);

    await h.smtp.waitFor(() => h.smtp.received.length >= 2);
    for (const to of EDITORS) {
      const [mail] = h.smtp.to(to);
      expect(mail?.parsed.subject).toBe(`New draft from the feed: ${s.title}`);
      expect(mail?.parsed.text).toContain(`https://news.example.org/admin/briefs/${created[0]}`);
    }

    // The same item again (new ETag, so a full fetch), and then updated in place: still one brief.
    server.serve('/draft/feed', rss([{ ...seedItem(), title: `${s.title} (updated)` }, oldItem(2), oldItem(1)]), { etag: '"v3"' });
    expect(await pollFeed(feedDeps(h), url)).toEqual({ status: 'polled', created: [], dispatched: [], invalid: 0 });
    // The same post in the site's Atom feed (same link and id) is still the one brief.
    server.serve('/draft/atom', atom([seedItem()]), { type: 'application/atom+xml' });
    await pollFeed(feedDeps(h), server.url('/draft/atom'));
    expect(await pollFeed(feedDeps(h), server.url('/draft/atom'))).toMatchObject({ status: 'polled', created: [] });
    expect(await h.services.briefs.list({ limit: 10 })).toHaveLength(1);
    expect(h.smtp.received).toHaveLength(2);
  });

  it('sends If-None-Match and If-Modified-Since once primed, and a 304 changes nothing', async () => {
    h = await createHarness();
    const url = server.url('/cond/feed');
    const lastModified = 'Thu, 30 May 2024 21:15:00 GMT';
    server.serve('/cond/feed', rss([oldItem(1)]), { etag: '"abc"', lastModified });
    await pollFeed(feedDeps(h), url);
    expect(await pollFeed(feedDeps(h), url)).toEqual({ status: 'not-modified' });
    const last = server.requests.filter((r) => r.path === '/cond/feed').at(-1)!;
    expect(last.headers['if-none-match']).toBe('"abc"');
    expect(last.headers['if-modified-since']).toBe(lastModified);
    expect(await h.services.briefs.list({ limit: 10 })).toEqual([]);
  });

  it('never runs two polls of one feed at once (a second poll while one runs is skipped)', async () => {
    h = await createHarness();
    const url = server.url('/overlap/feed');
    server.serve('/overlap/feed', rss([oldItem(1)]));
    // Both lease requests go down one Redis connection in order: the first wins, the second finds it held.
    const outcomes = await Promise.all([pollFeed(feedDeps(h), url), pollFeed(feedDeps(h), url)]);
    expect(outcomes.map((o) => o.status)).toEqual(['primed', 'busy']);
    // The lease is given back: the next poll runs.
    expect(await pollFeed(feedDeps(h), url)).toMatchObject({ status: 'polled' });
  });

  it('reads an Atom feed the same way', async () => {
    h = await createHarness();
    const url = server.url('/atom/feed');
    server.serve('/atom/feed', atom([oldItem(1)]), { type: 'application/atom+xml' });
    expect(await pollFeed(feedDeps(h), url)).toEqual({ status: 'primed', seen: 1 });
    server.serve('/atom/feed', atom([seedItem(), oldItem(1)]), { type: 'application/atom+xml' });
    const outcome = await pollFeed(feedDeps(h), url);
    const id = outcome.status === 'polled' ? outcome.created[0] : undefined;
    const stored = id ? await h.services.briefs.get(id) : null;
    expect(stored?.brief.sections).toEqual(seed().sections);
  });

  it('logs an item that makes no valid brief (no configured topic) and remembers it', async () => {
    const logs = captureLogs();
    h = await createHarness();
    const url = server.url('/invalid/feed');
    server.serve('/invalid/feed', rss([]));
    await pollFeed(feedDeps(h, logs.logger), url);
    server.serve('/invalid/feed', rss([{ ...seedItem(), categories: ['Cooking'] }]));
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'polled', created: [], invalid: 1 });
    expect(logs.lines.find((l) => l.code === 'FEED_ITEM_INVALID')?.errors).toEqual([{ field: 'topics', message: 'must name at least one topic' }]);
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'polled', invalid: 0 });
    expect(await h.services.briefs.list({ limit: 10 })).toEqual([]);
  });
});

describe('polling a feed with FEED_AUTO_DISPATCH', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('dispatches a new brief at once, and the editors hear it is being sent', async () => {
    h = await createHarness({ workers: true, env: { FEED_AUTO_DISPATCH: 'true', FEED_NOTIFY: EDITORS[0]! } });
    const url = server.url('/auto/feed');
    server.serve('/auto/feed', rss([]));
    await pollFeed(feedDeps(h), url);
    server.serve('/auto/feed', rss([seedItem()]));
    const outcome = await pollFeed(feedDeps(h), url);
    expect(outcome).toMatchObject({ status: 'polled' });
    const [dispatchId] = outcome.status === 'polled' ? outcome.dispatched : [];
    const briefId = outcome.status === 'polled' ? outcome.created[0] : undefined;
    expect(dispatchId).toBeTruthy();
    expect((await h.services.dispatches.get(dispatchId!))?.briefId).toBe(briefId);
    await until(() => h.services.dispatches.get(dispatchId!), (d) => d?.status === 'done', 20_000, 'dispatch done');
    await h.smtp.waitFor(() => h.smtp.to(EDITORS[0]!).length === 1);
    expect(h.smtp.to(EDITORS[0]!)[0]!.parsed.text).toContain(`dispatch ${dispatchId}`);
  });

  it('keeps a brief as a draft when none of its topics is in FEED_AUTO_DISPATCH_TOPICS', async () => {
    h = await createHarness({ env: { FEED_AUTO_DISPATCH: 'true', FEED_AUTO_DISPATCH_TOPICS: 'Conflict' } });
    const url = server.url('/auto-topics/feed');
    server.serve('/auto-topics/feed', rss([]));
    await pollFeed(feedDeps(h), url);
    server.serve('/auto-topics/feed', rss([{ ...seedItem(), categories: ['Russia'] }, { ...oldItem(9), categories: ['conflict'] }]));
    const outcome = await pollFeed(feedDeps(h), url);
    if (outcome.status !== 'polled') throw new Error(`poll ${outcome.status}`);
    expect(outcome.created).toHaveLength(2);
    expect(outcome.dispatched).toHaveLength(1);
    const dispatch = await h.services.dispatches.get(outcome.dispatched[0]!);
    expect((await h.services.briefs.get(dispatch!.briefId))?.brief.topics).toEqual(['Conflict']);
    const russia = outcome.created.find((id) => id !== dispatch!.briefId)!;
    expect(await h.services.dispatches.latestForBriefs([russia])).toEqual([null]);
  });
});
