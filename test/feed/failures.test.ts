import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { pollFeed } from '../../src/feed/poll.ts';
import { captureLogs, feedDeps, oldItem, rss, seedItem, startFeedServer, type FeedServer } from './support.ts';

/**
 * Each broken answer a feed server can give, met after the feed was primed
 * with a good answer: the poll is logged with its reason code, nothing is
 * created or sent, and the next good answer is read normally.
 */

let server: FeedServer;
let h: Harness;
/** The same, with a short FEED_TIMEOUT_MS for the hanging servers (the others keep the default, so a slow machine cannot turn "too large" into "timeout"). */
let hShort: Harness;
const logs = captureLogs();

beforeAll(async () => {
  server = await startFeedServer();
  const env = { FEED_NOTIFY: 'editor@example.org', FEED_AUTO_DISPATCH: 'true' };
  h = await createHarness({ workers: true, env });
  hShort = await createHarness({ env: { ...env, FEED_TIMEOUT_MS: '400' } });
});
afterAll(async () => {
  await hShort?.close();
  await h?.close();
  await server?.close();
});

const goodFeed = rss([seedItem(), oldItem(1)]);
const hang = (path: string) => server.route(path, () => undefined); // never answers

const cases: { name: string; code: string; short?: boolean; setup: (path: string) => void }[] = [
  { name: 'truncated XML', code: 'FEED_MALFORMED_XML', setup: (p) => server.serve(p, goodFeed.slice(0, Math.floor(goodFeed.length * 0.6))) },
  {
    name: 'an HTML error page',
    code: 'FEED_NOT_XML',
    setup: (p) => server.serve(p, '<!doctype html><html><body><h1>502 Bad Gateway</h1><item><guid>x</guid></item></body></html>', { type: 'text/html; charset=utf-8' }),
  },
  {
    name: 'an HTML page sent as XML',
    code: 'FEED_UNRECOGNIZED',
    setup: (p) => server.serve(p, '<html><body><p>Maintenance</p></body></html>', { type: 'application/xml' }),
  },
  { name: 'a 500', code: 'FEED_HTTP_STATUS', setup: (p) => server.route(p, (_req, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('boom')) },
  { name: 'a hang past the timeout', code: 'FEED_TIMEOUT', short: true, setup: hang },
  {
    name: 'a body that stalls halfway',
    code: 'FEED_TIMEOUT',
    short: true,
    setup: (p) =>
      server.route(p, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        res.write(goodFeed.slice(0, 200));
      }),
  },
  {
    name: 'a 20 MB feed declared in Content-Length',
    code: 'FEED_TOO_LARGE',
    setup: (p) => server.route(p, (_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml', 'content-length': String(20 * 1024 * 1024) }).end()),
  },
  {
    name: 'a 20 MB feed streamed without a length',
    code: 'FEED_TOO_LARGE',
    setup: (p) =>
      server.route(p, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = () => {
          while (sent < 20 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>');
        pump();
      }),
  },
  {
    name: 'a redirect loop',
    code: 'FEED_TOO_MANY_REDIRECTS',
    setup: (p) => server.route(p, (_req, res) => void res.writeHead(302, { location: p }).end()),
  },
  {
    name: 'a redirect to a non-web scheme',
    code: 'FEED_BAD_REDIRECT',
    setup: (p) => server.route(p, (_req, res) => void res.writeHead(301, { location: 'file:///etc/passwd' }).end()),
  },
];

describe('a broken feed answer is logged and skipped', () => {
  it.each(cases)('$name → $code, nothing created or sent', async ({ code, short, setup }) => {
    const hh = short ? hShort : h;
    const path = `/broken/${code}/${Math.random().toString(36).slice(2)}`;
    const url = server.url(path);
    server.serve(path, rss([oldItem(1)]));
    expect(await pollFeed(feedDeps(hh, logs.logger), url)).toMatchObject({ status: 'primed' });

    setup(path);
    const before = logs.lines.length;
    const outcome = await pollFeed(feedDeps(hh, logs.logger), url);
    expect(outcome).toMatchObject({ status: 'failed', code });
    const line = logs.lines.slice(before).find((l) => l.code === code);
    expect(line).toMatchObject({ level: 40, msg: 'feed poll failed; will retry next interval' });
    expect(String(line?.reason)).not.toBe('');

    expect(await hh.services.briefs.list({ limit: 10 })).toEqual([]);
    expect(await hh.services.queues.mail.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
    });
    expect(hh.smtp.received).toEqual([]);
  });

  it('recovers on the next good answer', async () => {
    const path = '/broken/recovers';
    const url = server.url(path);
    server.serve(path, rss([oldItem(1)]));
    await pollFeed(feedDeps(h, logs.logger), url);
    server.route(path, (_req, res) => void res.writeHead(500).end());
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'failed', code: 'FEED_HTTP_STATUS' });
    server.serve(path, rss([seedItem(), oldItem(1)]));
    expect(await pollFeed(feedDeps(h, logs.logger), url)).toMatchObject({ status: 'polled', created: [expect.any(String)] });
  });
});
