import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import { createConnectionRateLimiter, rateSubject } from '../../../src/feedback/inbound/connectionRate.ts';
import { createInbox, type Inbox } from '../../../src/feedback/inbound/inbox.ts';
import { startInboxConsumer } from '../../../src/feedback/inbound/inboxConsumer.ts';
import { startBounceListener, type BounceListenerOptions } from '../../../src/feedback/inbound/smtpListener.ts';
import { freePort } from '../../support/redisServers.ts';
import { REDIS_URL, deleteKeys, dsn, logger, sendRaw, sleep, streamEntries, testKeys, until } from './support.ts';

const DOMAIN = 'bounces.example.org';
const VERP = `bounces+abc@${DOMAIN}`;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function redisClient() {
  const r = new Redis(REDIS_URL);
  cleanups.push(() => r.disconnect());
  return r;
}

async function setup(overrides: Partial<BounceListenerOptions> & { perMinute?: number } = {}) {
  const keys = testKeys();
  cleanups.push(() => deleteKeys(keys.prefix));
  const redis = redisClient();
  const listen = async (more: Partial<BounceListenerOptions> = {}) => {
    const listener = await startBounceListener({
      host: '127.0.0.1',
      port: 0,
      domain: DOMAIN,
      inbox: createInbox(redisClient(), keys.inbox),
      logger,
      rateLimiter: createConnectionRateLimiter({ redis: redisClient(), key: keys.rate, perMinute: overrides.perMinute ?? 1_000 }),
      maxMessageBytes: 1024 * 1024,
      socketTimeoutMs: 10_000,
      ...overrides,
      ...more,
    });
    cleanups.push(() => listener.close());
    return listener;
  };
  return { keys, redis, listen, entries: () => streamEntries(redis, keys.inbox) };
}

/** A client for a Redis that is not there (options only: a URL would win over the port). */
function offRedis(opts: RedisOptions) {
  const r = new Redis(opts);
  r.on('error', () => undefined);
  cleanups.push(() => r.disconnect());
  return r;
}

/** Reads the server's replies on a raw socket, for what an SMTP client library hides (EHLO keywords, a timeout). */
function rawSession(port: number) {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  let closed = false;
  socket.on('data', (d) => (text += d.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  return {
    write: (line: string) => socket.write(`${line}\r\n`),
    text: () => text,
    closed: () => closed,
  };
}

describe('bounce SMTP listener', () => {
  it('queues a bounce from the null sender, and its bytes are what was sent', async () => {
    const { listen, entries } = await setup();
    const { port } = await listen();
    const raw = dsn(VERP);
    const sent = await sendRaw(port, { from: '', to: ['BOUNCES+abc@Bounces.Example.ORG'] }, raw);
    expect(sent).toMatchObject({ ok: true });
    if (!sent.ok) return;
    expect(sent.response).toMatch(/^250 .*Queued as \d+-\d+/);
    const rows = await entries();
    expect(rows).toHaveLength(1);
    const f = rows[0]!.fields;
    expect(Buffer.compare(f.get('raw')!, raw)).toBe(0);
    expect(JSON.parse(f.get('envelopeTo')!.toString())).toEqual(['BOUNCES+abc@Bounces.Example.ORG']);
    expect(f.get('source')!.toString()).toBe('smtp');
    expect(f.get('remoteIp')!.toString()).toMatch(/127\.0\.0\.1$/);
    expect(sent.response).toContain(rows[0]!.id);
  });

  it('is never a relay: RCPT for another domain gets 550 and nothing is queued', async () => {
    const { listen, entries } = await setup();
    const { port } = await listen();
    for (const to of ['someone@example.com', `x@sub.${DOMAIN}`, `x@${DOMAIN}.evil.net`, 'x@[127.0.0.1]']) {
      const sent = await sendRaw(port, { from: 'spammer@example.net', to: [to] }, dsn(to));
      expect(sent).toMatchObject({ ok: false, stage: 'send' });
      if (!sent.ok) expect(sent.response).toMatch(/^550 5\.7\.1 Relay access denied/);
    }
    expect(await entries()).toHaveLength(0);

    // A mixed envelope: only our recipient is taken, and only it is recorded.
    const mixed = await sendRaw(port, { from: '', to: ['victim@example.com', VERP] }, dsn(VERP));
    expect(mixed).toMatchObject({ ok: true, accepted: [VERP], rejected: ['victim@example.com'] });
    const rows = await entries();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.fields.get('envelopeTo')!.toString())).toEqual([VERP]);
  });

  it('refuses an oversize message with 552 and queues nothing (announced SIZE or not)', async () => {
    const { listen, entries } = await setup();
    const { port } = await listen({ maxMessageBytes: 64 * 1024 });
    const big = Buffer.concat([dsn(VERP), Buffer.from(`${'x'.repeat(998)}\r\n`.repeat(80))]);
    const unannounced = await sendRaw(port, { from: '', to: [VERP] }, big);
    expect(unannounced).toMatchObject({ ok: false, code: 552 });
    // Announced in MAIL FROM (Nodemailer would refuse to send it at all, so by hand): refused before any byte of it.
    const s = rawSession(port);
    await until(async () => s.text(), (t) => t.startsWith('220 '), 5_000, 'the greeting');
    s.write('EHLO client.example.net');
    await until(async () => s.text(), (t) => /\r\n250 /.test(t), 5_000, 'the EHLO reply');
    s.write(`MAIL FROM:<> SIZE=${big.length}`);
    expect(await until(async () => s.text(), (t) => /\r\n5\d\d /.test(t), 5_000, 'the MAIL reply')).toMatch(/\r\n552 /);
    expect(await entries()).toHaveLength(0);
    // Just under the limit still goes through.
    expect(await sendRaw(port, { from: '', to: [VERP] }, dsn(VERP))).toMatchObject({ ok: true });
  });

  it('advertises SIZE, offers neither AUTH nor STARTTLS, and drops an idle connection', async () => {
    const { listen } = await setup();
    const { port } = await listen({ socketTimeoutMs: 600 });
    const s = rawSession(port);
    await until(async () => s.text(), (t) => t.startsWith('220 '), 5_000, 'the greeting');
    s.write('EHLO client.example.net');
    const ehlo = await until(async () => s.text(), (t) => /\r\n250 /.test(t), 5_000, 'the EHLO reply');
    expect(ehlo).toMatch(/\r\n250[- ]SIZE 1048576\r\n/);
    expect(ehlo).not.toMatch(/STARTTLS|AUTH/);
    await until(async () => s.closed(), (c) => c, 5_000, 'the idle timeout');
    expect(s.text()).toMatch(/421 /);
  });

  it('limits recipients per message', async () => {
    const { listen } = await setup();
    const { port } = await listen({ maxRecipients: 2 });
    const to = ['a', 'b', 'c'].map((l) => `bounces+${l}@${DOMAIN}`);
    const sent = await sendRaw(port, { from: '', to }, dsn(VERP));
    expect(sent).toMatchObject({ ok: true, accepted: to.slice(0, 2), rejected: [to[2]] });
  });

  it('caps connections at once: one more gets 421', async () => {
    const { listen } = await setup();
    const { port } = await listen({ maxConnections: 1 });
    const holder = rawSession(port);
    await until(async () => holder.text(), (t) => t.startsWith('220 '), 5_000, 'the first greeting');
    const second = await sendRaw(port, { from: '', to: [VERP] }, dsn(VERP));
    expect(second).toMatchObject({ ok: false, code: 421, stage: 'connect' });
  });

  it('past the per-IP connection rate, a new connection gets 421, across listeners', async () => {
    const { listen } = await setup({ perMinute: 3 });
    const a = await listen();
    const b = await listen();
    // The count is in Redis: connections to two "workers" add up.
    for (const port of [a.port, b.port, a.port]) expect(await sendRaw(port, { from: '', to: [VERP] }, dsn(VERP))).toMatchObject({ ok: true });
    const refused = await sendRaw(b.port, { from: '', to: [VERP] }, dsn(VERP));
    expect(refused).toMatchObject({ ok: false, code: 421, stage: 'connect' });
  });

  it('answers 4xx, never 250, when Redis cannot take the message', async () => {
    const { keys, listen, entries } = await setup();
    const closedPort = await freePort();
    // Fails at once: no offline queue, no retry.
    const down = offRedis({ port: closedPort, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    const failing = await listen({ inbox: createInbox(down, keys.inbox) });
    const sent = await sendRaw(failing.port, { from: '', to: [VERP] }, dsn(VERP));
    expect(sent).toMatchObject({ ok: false, code: 451, stage: 'send' });
    if (!sent.ok) expect(sent.response).toMatch(/^451 4\.3\.0/);

    // Hangs (a worker-style connection queueing commands until Redis is back): answered 451 after the queue timeout.
    const hanging = offRedis({ port: closedPort, host: '127.0.0.1', maxRetriesPerRequest: null, retryStrategy: () => 200 });
    const slow = await listen({ inbox: createInbox(hanging, keys.inbox), queueTimeoutMs: 500 });
    const started = Date.now();
    const late = await sendRaw(slow.port, { from: '', to: [VERP] }, dsn(VERP));
    expect(late).toMatchObject({ ok: false, code: 451 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect(await entries()).toHaveLength(0);
  });

  it('two listeners on one inbox: a single consumer group gets every message exactly once', async () => {
    const { keys, listen } = await setup();
    const workers = [await listen(), await listen()];
    const sent: string[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const raw = dsn(VERP, `message ${i}`);
        const r = await sendRaw(workers[i % 2]!.port, { from: '', to: [VERP] }, raw);
        expect(r).toMatchObject({ ok: true });
        sent.push(raw.toString('latin1'));
      }),
    );
    const handled: string[] = [];
    for (let c = 0; c < 2; c++) {
      const consumer = startInboxConsumer({
        redis: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
        streamKey: keys.inbox,
        group: 'feedback',
        deadLetterKey: keys.unreadable,
        logger,
        blockMs: 100,
        handle: async (e) => void handled.push(e.raw.toString('latin1')),
      });
      cleanups.push(() => consumer.close());
    }
    await until(async () => handled.length, (n) => n >= 12, 10_000, 'all messages consumed');
    await sleep(300);
    expect(handled.sort()).toEqual(sent.sort());
  });

  it('close() lets a message being queued finish with 250, then stops listening', async () => {
    const { keys, redis, listen } = await setup();
    const real = createInbox(redis, keys.inbox);
    let reached!: () => void;
    const atAdd = new Promise<void>((r) => (reached = r));
    const slowInbox: Inbox = { add: async (e) => (reached(), await sleep(400), real.add(e)) };
    const listener = await listen({ inbox: slowInbox, closeGraceMs: 3_000 });
    const sending = sendRaw(listener.port, { from: '', to: [VERP] }, dsn(VERP));
    await atAdd;
    await listener.close();
    expect(await sending).toMatchObject({ ok: true });
    expect(await redis.xlen(keys.inbox)).toBe(1);
    expect(await sendRaw(listener.port, { from: '', to: [VERP] }, dsn(VERP))).toMatchObject({ ok: false, stage: 'connect' });
  });
});

describe('rateSubject', () => {
  it('keys IPv4 by address and IPv6 by /64', () => {
    expect(rateSubject('192.0.2.7')).toBe('192.0.2.7');
    expect(rateSubject('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(rateSubject('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateSubject('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(rateSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateSubject('::1')).toBe('0:0:0:0::/64');
  });
});
