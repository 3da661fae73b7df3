import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { FeedError } from '../../src/feed/errors.ts';
import { fetchFeed, isPublicAddress } from '../../src/feed/fetchFeed.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { captureLogs, feedDeps, oldItem, rss, seedItem, startFeedServer, type FeedServer } from './support.ts';

/**
 * Redirects out of a feed (issue 14, finding 15). The feed server listens on
 * 127.0.0.1 and the feed is configured as http://localhost:…, so 127.0.0.1
 * under any spelling is another host: the stand-in for a service inside the
 * network. A redirect there, or to any other non-public address, must end in
 * FEED_REDIRECT_BLOCKED before a single request reaches it.
 */

let server: FeedServer;
const LIMITS = { timeoutMs: 5_000, maxBytes: 5 * 1024 * 1024 };
const INTERNAL = '/internal/latest/meta-data';
const internalHits = () => server.requests.filter((r) => r.path.startsWith('/internal')).length;

beforeAll(async () => {
  server = await startFeedServer();
  server.serve(INTERNAL, rss([seedItem()], 'Internal secrets'));
});
afterAll(async () => server?.close());

const port = () => new URL(server.base).port;
/** The feed as the operator configured it: the same server, by its name. */
const configured = (path: string) => `http://localhost:${port()}${path}`;
const redirect = (path: string, location: string, status = 302) => server.route(path, (_req, res) => void res.writeHead(status, { location }).end());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'no error';
  } catch (e) {
    return e instanceof FeedError ? e.code : `not a FeedError: ${String(e)}`;
  }
}

// Spellings of this machine that would reach the internal route if followed.
const reachable = () => [
  `http://127.0.0.1:${port()}${INTERNAL}`,
  `http://127.1:${port()}${INTERNAL}`,
  `http://2130706433:${port()}${INTERNAL}`,
  `http://0x7f.0.0.1:${port()}${INTERNAL}`,
  `http://0177.0.0.1:${port()}${INTERNAL}`,
  `http://[::ffff:127.0.0.1]:${port()}${INTERNAL}`,
  `http://0.0.0.0:${port()}${INTERNAL}`,
  `http://0:${port()}${INTERNAL}`,
];
// Private, link-local, metadata and other non-public targets.
const elsewhere = [
  'http://[::1]/',
  'http://[::]/',
  'http://10.0.0.1/',
  'http://172.16.5.4/',
  'http://172.31.255.254/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/latest/meta-data/',
  'http://[fd00:ec2::254]/latest/meta-data/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://[fe80::1]/',
  'http://[fc00::1]/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://[64:ff9b::7f00:1]/',
  'http://[2002:7f00:1::]/',
  'https://10.0.0.1/',
];

describe('a redirect to a non-public address is refused', () => {
  it('to this machine under every spelling: FEED_REDIRECT_BLOCKED, and the internal route is never asked', async () => {
    for (const [i, location] of reachable().entries()) {
      redirect(`/ssrf/local/${i}`, location);
      expect([location, await codeOf(fetchFeed(configured(`/ssrf/local/${i}`), {}, LIMITS))]).toEqual([location, 'FEED_REDIRECT_BLOCKED']);
    }
    expect(internalHits()).toBe(0);
  });

  it('to private, link-local, multicast and metadata addresses: FEED_REDIRECT_BLOCKED at once (no connection is tried)', async () => {
    for (const [i, location] of elsewhere.entries()) {
      redirect(`/ssrf/elsewhere/${i}`, location, [301, 302, 303, 307, 308][i % 5]);
      const started = Date.now();
      expect([location, await codeOf(fetchFeed(configured(`/ssrf/elsewhere/${i}`), {}, LIMITS))]).toEqual([location, 'FEED_REDIRECT_BLOCKED']);
      expect(Date.now() - started).toBeLessThan(LIMITS.timeoutMs);
    }
  });

  it('to a name that resolves to loopback, after resolving it', async () => {
    // Configured by address this time, so "localhost" is the other host.
    redirect('/ssrf/by-name', `http://localhost:${port()}${INTERNAL}`);
    await expect(fetchFeed(`${server.base}/ssrf/by-name`, {}, LIMITS)).rejects.toMatchObject({ code: 'FEED_REDIRECT_BLOCKED', message: expect.stringContaining('127.0.0.1') });
    expect(internalHits()).toBe(0);
  });

  it('after a hop on the feed host, the next hop is still checked', async () => {
    redirect('/ssrf/hop1', configured('/ssrf/hop2'));
    redirect('/ssrf/hop2', `http://127.0.0.1:${port()}${INTERNAL}`);
    expect(await codeOf(fetchFeed(configured('/ssrf/hop1'), {}, LIMITS))).toBe('FEED_REDIRECT_BLOCKED');
    expect(internalHits()).toBe(0);
  });
});

describe('redirects the feed may make', () => {
  it('within the configured host: followed', async () => {
    server.serve('/ssrf/moved/feed', rss([oldItem(1)]));
    redirect('/ssrf/old-feed', '/ssrf/moved/feed', 301);
    const res = await fetchFeed(configured('/ssrf/old-feed'), {}, LIMITS);
    expect(res).toMatchObject({ kind: 'ok', finalUrl: configured('/ssrf/moved/feed') });
  });

  it('at most 3: three are followed, a fourth is FEED_TOO_MANY_REDIRECTS', async () => {
    server.serve('/ssrf/chain/end', rss([oldItem(1)]));
    for (const n of [1, 2, 3, 4]) redirect(`/ssrf/chain/${n}`, n === 1 ? '/ssrf/chain/end' : `/ssrf/chain/${n - 1}`);
    expect(await fetchFeed(configured('/ssrf/chain/3'), {}, LIMITS)).toMatchObject({ kind: 'ok', finalUrl: configured('/ssrf/chain/end') });
    expect(await codeOf(fetchFeed(configured('/ssrf/chain/4'), {}, LIMITS))).toBe('FEED_TOO_MANY_REDIRECTS');
  });

  it('public addresses pass the check; every non-public form fails it', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect([a, isPublicAddress(a)]).toEqual([a, true]);
    }
    for (const a of ['127.0.0.1', '127.255.0.9', '10.9.9.9', '172.16.0.1', '192.168.0.1', '100.64.0.1', '169.254.169.254', '0.0.0.0', '224.0.0.251', '255.255.255.255',
      '::1', '::', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '64:ff9b::a00:1', '2002:a00:1::', 'not an address']) {
      expect([a, isPublicAddress(a)]).toEqual([a, false]);
    }
  });
});

describe('a poll whose feed redirects inside the network', () => {
  let h: Harness;
  const logs = captureLogs();
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => h?.close());

  it('fails with FEED_REDIRECT_BLOCKED in the log, makes no brief of what is there, and recovers when the redirect goes', async () => {
    const path = '/ssrf/poll/feed';
    const url = configured(path);
    server.serve(path, rss([oldItem(1)]));
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'primed' });

    redirect(path, `http://[::ffff:127.0.0.1]:${port()}${INTERNAL}`);
    const before = logs.lines.length;
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'failed', code: 'FEED_REDIRECT_BLOCKED' });
    expect(logs.lines.slice(before).find((l) => l.code === 'FEED_REDIRECT_BLOCKED')).toMatchObject({ level: 40, msg: 'feed poll failed; will retry next interval' });
    expect(internalHits()).toBe(0);
    expect(await h.services.briefs.list({ limit: 10 })).toEqual([]);

    server.serve(path, rss([seedItem(), oldItem(1)]));
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'polled', created: [expect.any(String)] });
  });
});
