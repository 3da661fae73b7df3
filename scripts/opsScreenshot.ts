/**
 * The ops page's screenshot, taken during a real dispatch: the app and the
 * workers run in this process against Redis (a throwaway key prefix, deleted
 * after), sending through a local SMTP server that refuses a few mailboxes
 * for good and defers a few once. Two dispatches go out at a capped rate,
 * readers sign up meanwhile (confirmations: the transactional lane) and a
 * few complaints come in through the Postmark webhook, so each chart has
 * minutes of real samples. Takes about six minutes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { SMTPServer } from 'smtp-server';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createApiServices } from '../src/http/services.ts';
import { buildApp } from '../src/app.ts';
import { startWorkers } from '../workers/index.ts';

const READERS = 2400;
const SEND_RATE = 10;
const EDITOR_TOKEN = `ops-screenshot-${randomBytes(12).toString('hex')}`;
const POSTMARK_AUTH = `postmark:${randomBytes(12).toString('hex')}`;
const SECOND_DISPATCH_AT_S = 120;
const SHOT_AT_S = 330;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (text: string) => console.log(`ops screenshot: ${text}`);

/** A relay that accepts mail, except for mailboxes that are gone (5.1.1) and a few that are busy the first time (4.2.1). */
async function startRelay() {
  const seen = new Set<string>();
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const refuse = (code: number, message: string) => cb(Object.assign(new Error(message), { responseCode: code }));
      if (address.address.startsWith('gone')) return refuse(550, '5.1.1 Recipient address rejected: User unknown');
      if (address.address.startsWith('busy') && !seen.has(address.address)) {
        seen.add(address.address);
        return refuse(451, '4.2.1 Mailbox busy, try again later');
      }
      cb();
    },
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => cb());
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** About one reader in 37 is gone and one in 23 busy, spread over both topics. */
const readerEmail = (i: number) => `${i % 37 === 5 ? 'gone' : i % 23 === 3 ? 'busy' : 'reader'}-${i}@example.org`;

export async function shootOpsPage(browser: Browser, opts: { seedPath: string; outFile: string; redisUrl: string }): Promise<void> {
  const prefix = `{bw-ops-shot-${randomBytes(4).toString('hex')}}`;
  const relay = await startRelay();
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: prefix,
    SMTP_URL: relay.url,
    SMTP_POOL_SIZE: '2',
    SECRET_KEY: randomBytes(32).toString('hex'),
    EDITOR_TOKENS: EDITOR_TOKEN,
    PUBLIC_URL: 'http://localhost:3000',
    TOPICS: 'Conflict,Defense Technologies,Russia,Ukraine,United States and Canada',
    SEND_RATE: String(SEND_RATE),
    DISPATCH_BATCH_SIZE: '100',
    RETRY_BASE_MS: '2000',
    SIGNUP_LIMIT_PER_IP: '1000',
    POSTMARK_WEBHOOK_AUTH: POSTMARK_AUTH,
    WORKER_PORT: '0',
  });
  const logger = createLogger('silent');
  const services = createApiServices(config, logger);
  const app = await buildApp(services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const workers = await startWorkers(config, logger, { metrics: services.metrics });
  const api = (path: string, init: { method?: string; body?: string; type?: string; auth?: string } = {}) =>
    fetch(`${base}${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: init.auth ?? `Bearer ${EDITOR_TOKEN}`, ...(init.type ? { 'content-type': init.type } : {}) },
      ...(init.body ? { body: init.body } : {}),
    });
  const timers: NodeJS.Timeout[] = [];
  try {
    const event = { type: 'signup' as const, at: new Date().toISOString(), ip: '127.0.0.1', userAgent: 'ops screenshot', consentVersion: 'v1', source: 'import' as const, consent: 'screenshot' };
    for (let i = 0; i < READERS; i++) {
      await services.subscribers.importRow({ email: readerEmail(i), name: '', topics: i % 5 < 2 ? ['Russia'] : ['Ukraine'], status: 'active', event });
    }
    const seed = readFileSync(opts.seedPath, 'utf8');
    const second = seed.replace(/^title: .*$/m, 'title: "What the strikes inside Russia change, a week on"').replace(/^slug: .*$/m, 'slug: "2024-06-06-strikes-inside-russia-a-week-on"');
    const briefs: string[] = [];
    for (const markdown of [seed, second]) briefs.push(((await (await api('/api/briefs', { method: 'POST', body: markdown, type: 'text/markdown' })).json()) as { id: string }).id);
    const dispatch = async (briefId: string, topics?: string[]) =>
      ((await (await api(`/api/briefs/${briefId}/dispatches`, { method: 'POST', body: JSON.stringify(topics ? { topics } : {}), type: 'application/json' })).json()) as { id: string }).id;

    const started = Date.now();
    log(`dispatching to the Russia readers; the screenshot comes at ${SHOT_AT_S} s`);
    await dispatch(briefs[0]!, ['Russia']);
    let signups = 0;
    timers.push(setInterval(() => void api('/subscribe', { method: 'POST', body: JSON.stringify({ email: `new-${signups++}@example.org` }), type: 'application/json' }), 7_000));
    // A relay's complaint reports, for readers already sent to (the first few hundred).
    let complaint = 0;
    timers.push(
      setInterval(() => {
        const email = readerEmail(5 * (complaint++ * 7 + 1) + 1);
        void api('/webhooks/postmark', {
          method: 'POST',
          type: 'application/json',
          auth: `Basic ${Buffer.from(POSTMARK_AUTH).toString('base64')}`,
          body: JSON.stringify({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, ID: 1000 + complaint, MessageStream: 'outbound', Email: email, BouncedAt: new Date().toISOString(), Inactive: true, Details: 'complaint' }),
        });
      }, 40_000),
    );
    await sleep(SECOND_DISPATCH_AT_S * 1000);
    log('dispatching the second brief to everyone');
    await dispatch(briefs[1]!);
    await sleep(Math.max(0, started + SHOT_AT_S * 1000 - Date.now()));

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route((url) => url.origin !== base, (route) => route.abort());
    const page = await context.newPage();
    await page.goto(`${base}/admin/login?next=${encodeURIComponent(`/admin/ops?minutes=${Math.ceil(SHOT_AT_S / 60) + 1}`)}`);
    await page.fill('#token', EDITOR_TOKEN);
    await Promise.all([page.waitForURL(/\/admin\/ops/), page.click('button[type=submit]')]);
    await page.waitForSelector('#ops-charts[data-drawn]', { timeout: 15_000 });
    await page.screenshot({ path: opts.outFile, fullPage: true });
    await context.close();
  } finally {
    for (const t of timers) clearInterval(t);
    await workers.close();
    await app.close();
    await services.close();
    await relay.close();
    await deleteKeys(opts.redisUrl, prefix);
  }
}

async function deleteKeys(url: string, prefix: string) {
  const redis = new Redis(url);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
