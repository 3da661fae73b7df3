import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createInbox, messageDigest, type InboxEntry } from '../../../src/feedback/inbound/inbox.ts';
import { keepForOperator, startInboxConsumer, type InboxConsumer } from '../../../src/feedback/inbound/inboxConsumer.ts';
import { REDIS_URL, deleteKeys, logger, sleep, streamEntries, testKeys, until } from './support.ts';

const GROUP = 'feedback';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const keys = testKeys();
  const redis = new Redis(REDIS_URL);
  cleanups.push(async () => {
    redis.disconnect();
    await deleteKeys(keys.prefix);
  });
  const inbox = createInbox(redis, keys.inbox);
  const consumers: InboxConsumer[] = [];
  const consume = (opts: Partial<Parameters<typeof startInboxConsumer>[0]> & Pick<Parameters<typeof startInboxConsumer>[0], 'handle'>) => {
    const c = startInboxConsumer({
      redis: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      streamKey: keys.inbox,
      group: GROUP,
      deadLetterKey: keys.unreadable,
      logger,
      blockMs: 100,
      ...opts,
    });
    consumers.push(c);
    cleanups.push(() => c.close());
    return c;
  };
  const pending = async () => Number(((await redis.xpending(keys.inbox, GROUP)) as [number])[0]);
  return { keys, redis, inbox, consume, pending };
}

const entry = (raw: Buffer | string, extra: Partial<InboxEntry> = {}): InboxEntry => ({
  raw: Buffer.isBuffer(raw) ? raw : Buffer.from(raw),
  envelopeTo: ['bounces+abc@bounces.example.org'],
  source: 'smtp',
  receivedAt: new Date().toISOString(),
  ...extra,
});

describe('feedback inbox', () => {
  it('keeps raw bytes that are not UTF-8, and the envelope, exactly', async () => {
    const { inbox, consume } = setup();
    const raw = Buffer.from([0x46, 0x72, 0x6f, 0x6d, 0x3a, 0x20, 0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0x0d, 0x0a, 0x0d, 0x0a, 0xe9, 0x74, 0xe9]);
    await inbox.add(entry(raw, { source: 'imap', envelopeTo: ['Bounces+X@bounces.example.org', 'b@c.d'], remoteIp: '2001:db8::1' }));
    const seen: InboxEntry[] = [];
    consume({ handle: async (e) => void seen.push(e) });
    await until(async () => seen.length, (n) => n === 1, 10_000, 'the entry handled');
    expect(Buffer.compare(seen[0]!.raw, raw)).toBe(0);
    expect(seen[0]!.envelopeTo).toEqual(['Bounces+X@bounces.example.org', 'b@c.d']);
    expect(seen[0]!.source).toBe('imap');
    expect(seen[0]!.remoteIp).toBe('2001:db8::1');
    expect(messageDigest(seen[0]!.raw)).toBe(messageDigest(raw));
  });

  it('acknowledges and deletes an entry only once its handler resolved', async () => {
    const { keys, redis, inbox, consume, pending } = setup();
    const id = await inbox.add(entry('Subject: one\r\n\r\nbody\r\n'));
    let release!: () => void;
    const handled: string[] = [];
    consume({
      handle: (_e, entryId) => {
        handled.push(entryId);
        return new Promise<void>((r) => (release = r));
      },
    });
    await until(async () => handled.length, (n) => n === 1, 10_000, 'the handler called');
    expect(handled[0]).toBe(id);
    await sleep(300);
    // Still being handled: taken by the group but neither acknowledged nor deleted.
    expect(await pending()).toBe(1);
    expect(await redis.xlen(keys.inbox)).toBe(1);
    release();
    await until(pending, (n) => n === 0, 10_000, 'the ack');
    expect(await redis.xlen(keys.inbox)).toBe(0);
  });

  it("hands a crashed consumer's entries to another after reclaimAfterMs", async () => {
    const { keys, redis, inbox, consume, pending } = setup();
    const ids = [await inbox.add(entry('Subject: a\r\n\r\na\r\n')), await inbox.add(entry('Subject: b\r\n\r\nb\r\n'))];
    // The first consumer takes both and never finishes: its process is as good as dead.
    let taken = 0;
    const stuck = consume({ handle: () => (taken++, new Promise<void>(() => undefined)), reclaimAfterMs: 400, closeGraceMs: 50 });
    await until(async () => taken, (n) => n === 1, 10_000, 'the first consumer to take an entry');
    await stuck.close();
    expect(await pending()).toBe(2);

    const handled: string[] = [];
    consume({ handle: async (_e, id) => void handled.push(id), reclaimAfterMs: 400 });
    await until(async () => handled.length, (n) => n === 2, 15_000, 'the second consumer to reclaim both');
    expect(handled.sort()).toEqual([...ids].sort());
    await until(pending, (n) => n === 0, 10_000, 'the acks');
    expect(await redis.xlen(keys.inbox)).toBe(0);
  });

  it('moves an entry whose handler keeps throwing to the dead-letter stream, with the error', async () => {
    const { keys, redis, inbox, consume, pending } = setup();
    const raw = Buffer.concat([Buffer.from('Subject: poison\r\n\r\n'), Buffer.from([0xff, 0x00, 0xfe])]);
    const poisonId = await inbox.add(entry(raw));
    const goodId = await inbox.add(entry('Subject: fine\r\n\r\nok\r\n'));
    let attempts = 0;
    const handled: string[] = [];
    consume({
      maxDeliveries: 3,
      reclaimAfterMs: 200,
      handle: async (e, id) => {
        if (e.raw.includes('poison')) {
          attempts++;
          throw new Error('PARSE_FAILED: cannot read this message');
        }
        handled.push(id);
      },
    });
    const dead = await until(() => streamEntries(redis, keys.unreadable), (rows) => rows.length === 1, 20_000, 'the dead letter');
    // The poison entry did not hold up the next one.
    expect(handled).toEqual([goodId]);
    expect(attempts).toBe(3);
    const f = dead[0]!.fields;
    expect(f.get('error')!.toString()).toContain('PARSE_FAILED: cannot read this message');
    expect(f.get('inboxId')!.toString()).toBe(poisonId);
    expect(f.get('deliveries')!.toString()).toBe('3');
    expect(Buffer.compare(f.get('raw')!, raw)).toBe(0);
    expect(JSON.parse(f.get('envelopeTo')!.toString())).toEqual(['bounces+abc@bounces.example.org']);
    expect(await pending()).toBe(0);
    expect(await redis.xlen(keys.inbox)).toBe(0);
  });

  it('dead-letters an entry a consumer took and never acknowledged past maxDeliveries (it crashed on it)', async () => {
    const { keys, redis, inbox, consume } = setup();
    const id = await inbox.add(entry('Subject: kills its reader\r\n\r\nx\r\n'));
    let taken = 0;
    // Each consumer in turn takes it and dies on it (never resolves, then stops).
    for (let i = 0; i < 2; i++) {
      const c = consume({ handle: () => (taken++, new Promise<void>(() => undefined)), reclaimAfterMs: 200, maxDeliveries: 2, closeGraceMs: 50 });
      await until(async () => taken, (n) => n === i + 1, 10_000, `delivery ${i + 1}`);
      await c.close();
    }
    const calls: string[] = [];
    consume({ handle: async (_e, entryId) => void calls.push(entryId), reclaimAfterMs: 200, maxDeliveries: 2 });
    const dead = await until(() => streamEntries(redis, keys.unreadable), (rows) => rows.length === 1, 15_000, 'the dead letter');
    expect(calls).toEqual([]);
    expect(dead[0]!.fields.get('inboxId')!.toString()).toBe(id);
    expect(dead[0]!.fields.get('error')!.toString()).toMatch(/stopped or hung/);
  });

  it('shares one group between several consumers: every entry handled exactly once', async () => {
    const { inbox, consume, pending } = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(await inbox.add(entry(`Subject: ${i}\r\n\r\n${i}\r\n`)));
    const handled: string[] = [];
    for (let c = 0; c < 3; c++) consume({ batch: 4, handle: async (_e, id) => (await sleep(5), void handled.push(id)) });
    await until(async () => handled.length, (n) => n >= 30, 15_000, 'all entries handled');
    await sleep(300);
    expect(handled.length).toBe(30);
    expect(new Set(handled)).toEqual(ids);
    expect(await pending()).toBe(0);
  });

  it('keeps a message a handler found unreadable for an operator, without retries', async () => {
    const { keys, redis, inbox, consume, pending } = setup();
    const raw = Buffer.from([0x00, 0xff, 0x0d, 0x0a]);
    const id = await inbox.add(entry(raw));
    let calls = 0;
    consume({
      handle: async (e, entryId) => {
        calls++;
        await keepForOperator(redis, keys.unreadable, e, 'UNREADABLE: no report in it', { inboxId: entryId });
      },
    });
    const dead = await until(() => streamEntries(redis, keys.unreadable), (rows) => rows.length === 1, 10_000, 'the kept message');
    await until(pending, (n) => n === 0, 10_000, 'the ack');
    expect(calls).toBe(1);
    expect(Buffer.compare(dead[0]!.fields.get('raw')!, raw)).toBe(0);
    expect(dead[0]!.fields.get('error')!.toString()).toBe('UNREADABLE: no report in it');
    expect(dead[0]!.fields.get('inboxId')!.toString()).toBe(id);
    expect(await redis.xlen(keys.inbox)).toBe(0);
  });

  it('refuses new entries while the backlog is full, instead of trimming unread ones', async () => {
    const { keys, redis } = setup();
    const inbox = createInbox(redis, keys.inbox, { maxBacklog: 2 });
    await inbox.add(entry('1'));
    await inbox.add(entry('2'));
    await expect(inbox.add(entry('3'))).rejects.toMatchObject({ code: 'INBOX_FULL' });
    expect(await redis.xlen(keys.inbox)).toBe(2);
  });
});
