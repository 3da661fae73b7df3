/**
 * The editor's desk for the README: runs the app and its workers (mail to a
 * temporary outbox) on a private Redis prefix, adds a sent, a scheduled and a
 * cancelled dispatch, and screenshots the brief editor with its live preview
 * (one error shown at its line) and the dispatch list. Called by
 * scripts/screenshots.ts --desk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createApiServices } from '../src/http/services.ts';
import { buildApp } from '../src/app.ts';
import { startWorkers } from '../workers/index.ts';

/** The editor with its live preview (one error shown at its line) and the dispatch list, from a running app. */
export async function shootEditorDesk(
  browser: Browser,
  opts: { seed: string; outDir: string; redisUrl: string; topics: readonly string[]; publicUrl: string },
): Promise<void> {
  const { seed, outDir } = opts;
  const prefix = `{bw-shots-${randomBytes(4).toString('hex')}}`;
  const outbox = mkdtempSync(join(tmpdir(), 'briefwire-shots-'));
  const token = 'screenshots-token-0123456789abcdef';
  const config = loadConfig({
    NODE_ENV: 'development', LOG_LEVEL: 'silent', REDIS_URL: opts.redisUrl, REDIS_PREFIX: prefix,
    OUTBOX_DIR: outbox, EDITOR_TOKENS: `desk=${token}`, TOPICS: opts.topics.join(','), PUBLIC_URL: opts.publicUrl, SEND_RATE: '0',
  });
  const logger = createLogger('silent');
  const services = createApiServices(config, logger);
  // The API's connection fails fast instead of queueing: wait until it is up.
  await services.redis.ping().catch(() => new Promise((r) => services.redis.once('ready', r)));
  const app = await buildApp(services);
  const workers = await startWorkers(config, logger, { metrics: services.metrics });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const auth = { authorization: `Bearer ${token}` };
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
    for (let i = 0; i < 40; i++) await services.subscribers.importRow({ email: `reader${i}@example.org`, name: '', topics: [], status: 'active', event: ev });
    // A sent brief, a cancelled schedule, and one scheduled for tomorrow morning.
    const add = async (md: string) => (await app.inject({ method: 'POST', url: '/api/briefs', headers: { ...auth, 'content-type': 'text/markdown' }, payload: md })).json().id as string;
    const sent = await add(seed.replace(/^slug: .*$/m, 'slug: "sent"'));
    const done = (await app.inject({ method: 'POST', url: `/api/briefs/${sent}/dispatches`, headers: auth, payload: {} })).json().id as string;
    for (let i = 0; i < 100 && (await services.dispatches.get(done))?.status !== 'done'; i++) await new Promise((r) => setTimeout(r, 100));
    const titled = (t: string, slug: string) => seed.replace(/^title: .*$/m, `title: "${t}"`).replace(/^slug: .*$/m, `slug: "${slug}"`);
    const later = await add(titled('What the Kharkiv offensive means for NATO’s summit', 'kharkiv-nato'));
    const tomorrow = new Date(Date.now() + 86_400_000);
    tomorrow.setUTCHours(12, 0, 0, 0);
    await app.inject({ method: 'POST', url: `/api/briefs/${later}/dispatches`, headers: auth, payload: { at: tomorrow.toISOString() } });
    const dropped = await add(titled('Five questions on the new sanctions package', 'sanctions'));
    const d3 = (await app.inject({ method: 'POST', url: `/api/briefs/${dropped}/dispatches`, headers: auth, payload: { at: tomorrow.toISOString() } })).json().id as string;
    await app.inject({ method: 'POST', url: `/api/dispatches/${d3}/cancel`, headers: auth });

    const context = await browser.newContext({ viewport: { width: 1600, height: 1050 }, timezoneId: 'Europe/Berlin', locale: 'en-GB' });
    await context.route((url) => url.origin !== base, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(`${base}/admin`), page.click('button[type=submit]')]);

    await page.goto(`${base}/admin/briefs/new`);
    await page.fill('#markdown', seed.replace(/^slug: .*\n/m, ''));
    await page.frameLocator('#live-desktop').locator('body').getByText('Less than meets the eye').first().waitFor();
    await page.fill('#markdown', seed.replace(/^slug: .*\n/m, '').replace('publishedAt: 2024-05-30', 'publishedAt: 2024-05-32'));
    await page.locator('#error-list li').first().waitFor();
    await page.click('#error-list a.jump');
    await page.screenshot({ path: `${outDir}/editor.png` });
    console.log('wrote docs/screenshots/editor.png');

    await page.setViewportSize({ width: 1300, height: 800 });
    await page.goto(`${base}/admin/dispatches`);
    await page.screenshot({ path: `${outDir}/dispatches.png`, fullPage: true });
    console.log('wrote docs/screenshots/dispatches.png');
    await context.close();
  } finally {
    await workers.close();
    await app.close();
    await services.redis.del(...(await services.redis.keys(`${prefix}*`)));
    await services.close();
    rmSync(outbox, { recursive: true, force: true });
  }
}
