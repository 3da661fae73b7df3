import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, signInOnLoginPage } from '../support/browser.ts';
import { createHarness, importActive, until, type Harness, listenOnLoopback } from '../support/harness.ts';
import { signIn } from './support.ts';
import { createOpsSeries, epochMinute, RETENTION_MINUTES } from '../../src/ops/series.ts';
import type { OpsChartData } from '../../src/ops/chartData.ts';

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
const READERS = ['c1@example.org', 'c2@example.org', 'c3@example.org'];
const GONE = 'gone@example.org';
const HOUR_MS = 3_600_000;

let h: Harness;
let cookie: string;
let dispatchId: string;
beforeAll(async () => {
  // One reader's mailbox is gone: a bounce at RCPT, so failures, feedback and rates all have something to show.
  h = await createHarness({
    workers: true,
    smtp: { onRcpt: (address) => (address === GONE ? { code: 550, message: '5.1.1 <gone@example.org>: Recipient address rejected: User unknown' } : undefined) },
  });
  cookie = (await signIn(h)).cookie;
}, 60_000);
afterAll(async () => h?.close());

async function series(query = ''): Promise<OpsChartData> {
  const res = await h.app.inject({ url: `/admin/ops/series.json${query}`, headers: { cookie } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json() as OpsChartData;
}
const sum = (xs: (number | null)[] | undefined) => (xs ?? []).reduce<number>((n, x) => n + (x ?? 0), 0);
const highest = (xs: (number | null)[] | undefined) => Math.max(-1, ...(xs ?? []).filter((x): x is number => x !== null));

describe('the ops series', () => {
  it('the series, the page and its assets need a session like the rest of /admin', async () => {
    for (const url of ['/admin/ops/series.json', '/admin/ops']) {
      const res = await h.app.inject({ url });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toMatch(/^\/admin\/login/);
    }
    const page = await h.app.inject({ url: '/admin/ops', headers: { cookie } });
    const js = /<script nonce="[^"]+" src="(\/admin\/assets\/uPlot\.[0-9a-f]{12}\.iife\.min\.js)"><\/script>/.exec(page.body)?.[1];
    const css = /<link rel="stylesheet" href="(\/admin\/assets\/uPlot\.[0-9a-f]{12}\.min\.css)">/.exec(page.body)?.[1];
    expect(js && css).toBeTruthy();
    expect((await h.app.inject({ url: js! })).statusCode).toBe(303);
    const asset = await h.app.inject({ url: js!, headers: { cookie } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect(asset.body).toContain('uPlot');
    expect((await h.app.inject({ url: css!, headers: { cookie } })).headers['content-type']).toContain('text/css');
    expect((await h.app.inject({ url: '/admin/assets/nothing.js', headers: { cookie } })).statusCode).toBe(404);
    expect(page.body).not.toMatch(/https?:\/\/[^"']*(cdn|unpkg|jsdelivr)/i);
  });

  it('moves after a real dispatch: sends, a bounce as failure, feedback and rate, queue depth, and the dispatch reaching 100%', async () => {
    const before = await series();
    expect(before.t).toHaveLength(60);
    for (const email of [...READERS, GONE]) await importActive(h, email);
    const brief = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: seed });
    const d = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.json().id}/dispatches`, headers: h.auth, payload: {} });
    dispatchId = d.json().id as string;
    await until(async () => (await h.app.inject({ url: `/api/dispatches/${dispatchId}`, headers: h.auth })).json().status, (s) => s === 'done', 30_000, 'dispatch done');

    // The workers' sampler writes every 10 s: the series catch up within a tick or two.
    const after = await until(
      () => series(),
      (s) => sum(s.sent.bulk) >= sum(before.sent.bulk) + 3 && sum(s.failures.bounce) >= 1 && highest(s.progress[dispatchId]) === 1,
      25_000,
      'series to show the dispatch',
    );
    expect(sum(after.sent.bulk) - sum(before.sent.bulk)).toBe(3);
    expect(sum(after.failures.bounce) - sum(before.failures.bounce)).toBe(1);
    expect(sum(after.feedback['hard-bounce']) - sum(before.feedback['hard-bounce'])).toBe(1);
    expect(highest(after.rates.bounce)).toBeCloseTo(1 / 3, 5);
    expect(Object.keys(after.failures)).toEqual(expect.arrayContaining(['transient', 'throttled', 'bounce', 'refused', 'uncertain']));
    // Every series is one value per minute of the window.
    for (const group of [after.sent, after.failures, after.queues, after.feedback, after.rates, after.progress]) {
      for (const values of Object.values(group)) expect(values).toHaveLength(after.t.length);
    }
    expect(after.t.at(-1)).toBe(epochMinute(Date.now()) * 60);
    // The queues' current depth is read live; the sampler's earlier minutes hold what it saw.
    expect(Object.keys(after.queues).sort()).toEqual(['deliver', 'dispatch', 'feed', 'mail']);
    expect(after.queues.deliver!.at(-1)).toBe(0);
    const stored = await h.services.redis.hgetall(h.services.keys.opsMinute(epochMinute(Date.now())));
    expect(stored['queue:deliver']).toBeDefined();
    expect(after.dispatches.find((x) => x.id === dispatchId)).toMatchObject({ status: 'done', total: 4, sent: 3, failed: 1, bounced: 1, progress: 1, bounceRate: 0.333333 });
  }, 60_000);

  it('in Chromium, the ops page draws its six charts under its CSP and lists the dispatch', async () => {
    const base = await listenOnLoopback(h);
    const browser: Browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      // Nothing leaves the app: a CDN request would fail here, and show as a missing chart.
      await context.route((url) => url.origin !== base, (route) => route.abort());
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${base}/admin/login?next=${encodeURIComponent('/admin/ops')}`);
      await signInOnLoginPage(page, `${base}/admin/ops`);
      await page.waitForSelector('#ops-charts[data-drawn="60"]', { timeout: 15_000 });
      expect(await page.locator('#ops-charts .uplot').count()).toBe(6);
      for (const id of ['chart-sent', 'chart-failures', 'chart-queues', 'chart-progress', 'chart-feedback', 'chart-rates']) {
        expect(await page.locator(`#${id} canvas`).count(), id).toBe(1);
        expect(await page.$eval(`#${id} canvas`, (c) => (c as HTMLCanvasElement).width), id).toBeGreaterThan(200);
      }
      // uPlot's stylesheet came from this origin and applies (its legend is laid out as a table).
      const sheet = await page.evaluate(() => [...document.styleSheets].filter((s) => s.href?.includes('/admin/assets/uPlot.')).map((s) => s.cssRules.length));
      expect(sheet[0]).toBeGreaterThan(5);
      expect(await page.locator('#chart-sent .u-legend .u-series').count()).toBe(3);
      expect(await page.textContent(`#recent-dispatches tr[data-dispatch-id="${dispatchId}"]`)).toContain('100% of 4');
      expect(await page.isHidden('#no-dispatches')).toBe(true);
      // A wider window redraws the same charts.
      await page.selectOption('#charts-minutes', '360');
      await page.waitForSelector('#ops-charts[data-drawn="360"]', { timeout: 10_000 });
      expect(await page.locator('#ops-charts canvas').count()).toBe(6);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('is bounded: a window of at most six hours, and each minute a hash that expires as it leaves the window', async () => {
    expect((await series('?minutes=100000')).t).toHaveLength(RETENTION_MINUTES);
    expect((await series('?minutes=1')).t).toHaveLength(5);
    expect((await series('?minutes=not-a-number')).t).toHaveLength(60);
    const s = createOpsSeries(h.services.redis, h.services.keys);
    const now = Date.now();
    const keyAt = (ms: number) => h.services.keys.opsMinute(epochMinute(ms));
    // A sample for a minute already out of reach is gone at once; one five hours old has an hour left.
    await s.write({ add: { 'emails:bulk:sent': 5 }, set: {} }, now - 7 * HOUR_MS);
    expect(await h.services.redis.exists(keyAt(now - 7 * HOUR_MS))).toBe(0);
    await s.write({ add: { 'emails:bulk:sent': 7 }, set: { 'queue:mail': 2 } }, now - 5 * HOUR_MS);
    const ttl = await h.services.redis.ttl(keyAt(now - 5 * HOUR_MS));
    expect(ttl).toBeGreaterThan(59 * 60);
    expect(ttl).toBeLessThanOrEqual(61 * 60);
    const current = await h.services.redis.ttl(keyAt(now));
    expect(current).toBeGreaterThan((RETENTION_MINUTES - 1) * 60);
    expect(current).toBeLessThanOrEqual((RETENTION_MINUTES + 1) * 60);
    const wide = await series('?minutes=360');
    const narrow = await series('?minutes=60');
    expect(sum(wide.sent.bulk) - sum(narrow.sent.bulk)).toBe(7);
    expect(wide.queues.mail).toContain(2);
    const keys = await h.services.redis.keys(`${h.prefix}:ops:minute:*`);
    expect(keys.length).toBeLessThanOrEqual(RETENTION_MINUTES + 1);
    for (const k of keys) expect(await h.services.redis.ttl(k)).toBeGreaterThan(0);
  });
});
