import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { ImapFlow } from 'imapflow';
import { createLogger } from '../../../src/logger.ts';
import { createInbox, type Inbox } from '../../../src/feedback/inbound/inbox.ts';
import { startImapPoller, deliveryAddresses, PROCESSED_KEYWORD, TOO_LARGE_KEYWORD, type ImapPollerOptions } from '../../../src/feedback/inbound/imapPoller.ts';
import { imapTarget } from '../../../src/feedback/inbound/imapUrl.ts';
import { createRedisLease } from '../../../src/feedback/inbound/lease.ts';
import { startDovecot, type TestDovecot } from './dovecot.ts';
import { REDIS_URL, deleteKeys, logger, streamEntries, testKeys, until } from './support.ts';

// A real IMAP server (Dovecot, package dovecot-imapd): fails here with one line if it is not installed.
let dovecot: TestDovecot;
beforeAll(async () => {
  dovecot = await startDovecot();
});
afterAll(async () => {
  await dovecot?.close();
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const message = (subject: string, headers: string[] = [], body = 'The message could not be delivered.') =>
  Buffer.from([`From: MAILER-DAEMON@mx.example.net`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W/g, '')}-${Date.now()}@mx.example.net>`, ...headers, '', body, ''].join('\r\n'));

function setup(overrides: Partial<ImapPollerOptions> = {}) {
  const keys = testKeys();
  const redis = new Redis(REDIS_URL);
  cleanups.push(async () => {
    redis.disconnect();
    await deleteKeys(keys.prefix);
  });
  const inbox = createInbox(redis, keys.inbox);
  const poller = startImapPoller({
    url: dovecot.url,
    allowInsecure: true,
    inbox,
    logger,
    intervalMs: 60_000,
    lock: createRedisLease(redis, keys.imapLock),
    scheduled: false,
    timeoutMs: 10_000,
    ...overrides,
  });
  cleanups.push(() => poller.close());
  return { keys, redis, inbox, poller, entries: () => streamEntries(redis, keys.inbox) };
}

/** The server's view of the mailbox, through a client of the test's own: uid -> flags. */
async function flagsIn(mailbox = 'INBOX'): Promise<Map<string, Set<string>>> {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
  await client.connect();
  try {
    await client.mailboxOpen(mailbox);
    const out = new Map<string, Set<string>>();
    // \Recent says which session saw a message first: not a mark of ours.
    for (const m of await client.fetchAll('1:*', { uid: true, flags: true, envelope: true })) {
      out.set(m.envelope?.subject ?? String(m.uid), new Set([...(m.flags ?? [])].filter((f) => f !== '\\Recent')));
    }
    return out;
  } finally {
    await client.logout();
  }
}

/** Empties INBOX (and Processed) between tests: one Dovecot serves the whole file. */
async function emptyMailboxes() {
  const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
  await client.connect();
  for (const box of ['INBOX', 'Processed']) {
    const opened = await client.mailboxOpen(box).catch(() => null);
    if (opened?.exists) await client.messageDelete('1:*');
  }
  await client.logout();
}
afterEach(emptyMailboxes);

describe('IMAP bounce poller (real Dovecot)', () => {
  it('hands every new message to the inbox once, then flags it; a second round adds nothing', async () => {
    const { poller, entries } = setup();
    const raws = {
      delivered: message('delivered', ['Delivered-To: bounces@bounces.example.org', 'Delivered-To: bounces+d1-7-abc@bounces.example.org', 'To: someone@else.example']),
      original: message('original', ['X-Original-To: Bounces+D2-8-XYZ@bounces.example.org', 'To: other@example.com']),
      toOnly: message('toOnly', ['To: "Bounces" <bounces+d3-9-q@bounces.example.org>,', ' second@example.com']),
      binary: Buffer.concat([message('binary', ['Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: 8bit']), Buffer.from([0xe9, 0xff, 0x80, 0x0d, 0x0a])]),
    };
    for (const raw of Object.values(raws)) await dovecot.deliver(raw);

    expect(await poller.pollOnce()).toEqual({ handedOver: 4, tooLarge: 0 });
    const rows = await entries();
    expect(rows).toHaveLength(4);
    const bySubject = new Map(rows.map((r) => [/Subject: (\w+)/.exec(r.fields.get('raw')!.toString('latin1'))![1]!, r.fields]));
    for (const [subject, raw] of Object.entries(raws)) {
      const f = bySubject.get(subject)!;
      expect(Buffer.compare(f.get('raw')!, raw), subject).toBe(0);
      expect(f.get('source')!.toString()).toBe('imap');
    }
    const envelope = (s: string) => JSON.parse(bySubject.get(s)!.get('envelopeTo')!.toString());
    expect(envelope('delivered')).toEqual(['bounces@bounces.example.org', 'bounces+d1-7-abc@bounces.example.org']);
    expect(envelope('original')).toEqual(['bounces+d2-8-xyz@bounces.example.org']);
    expect(envelope('toOnly')).toEqual(['bounces+d3-9-q@bounces.example.org', 'second@example.com']);
    expect(envelope('binary')).toEqual([]);

    for (const [subject, flags] of await flagsIn()) {
      expect([...flags].sort(), subject).toEqual([PROCESSED_KEYWORD, '\\Seen'].sort());
    }
    expect(await poller.pollOnce()).toEqual({ handedOver: 0, tooLarge: 0 });
    expect(await entries()).toHaveLength(4);

    // One that arrives later is the only one the next round takes.
    await dovecot.deliver(message('later'));
    expect(await poller.pollOnce()).toEqual({ handedOver: 1, tooLarge: 0 });
    expect(await entries()).toHaveLength(5);
  });

  it('does not trust \\Seen: a message someone read in the mailbox is still handed over', async () => {
    const { poller, entries } = setup();
    await dovecot.deliver(message('read-by-a-person'));
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await client.connect();
    await client.mailboxOpen('INBOX');
    await client.messageFlagsAdd('1:*', ['\\Seen']);
    await client.logout();
    expect(await poller.pollOnce()).toMatchObject({ handedOver: 1 });
    expect(await entries()).toHaveLength(1);
  });

  it('moves handed-over messages to processedMailbox when it is set', async () => {
    const { poller, entries } = setup({ processedMailbox: 'Processed' });
    await dovecot.deliver(message('one'));
    await dovecot.deliver(message('two'));
    expect(await poller.pollOnce()).toEqual({ handedOver: 2, tooLarge: 0 });
    expect(await entries()).toHaveLength(2);
    expect(await dovecot.files('INBOX')).toEqual([]);
    expect(await dovecot.files('Processed')).toHaveLength(2);
    expect([...(await flagsIn('Processed')).keys()].sort()).toEqual(['one', 'two']);
    expect(await poller.pollOnce()).toEqual({ handedOver: 0, tooLarge: 0 });
    expect(await entries()).toHaveLength(2);
  });

  it('never marks a message before the inbox has it: a failed add leaves it for the next round', async () => {
    const { inbox, entries } = setup();
    await dovecot.deliver(message('survivor'));
    const broken: Inbox = { add: () => Promise.reject(new Error('Redis is down')) };
    const failing = setup({ inbox: broken });
    await expect(failing.poller.pollOnce()).rejects.toThrow('Redis is down');
    expect([...(await flagsIn()).get('survivor')!]).toEqual([]);

    const { poller } = setup({ inbox });
    expect(await poller.pollOnce()).toMatchObject({ handedOver: 1 });
    expect(await entries()).toHaveLength(1);
  });

  it('runs one round at a time across pollers (a Redis lease), without duplicates', async () => {
    const { keys, redis, inbox, entries } = setup();
    for (let i = 0; i < 5; i++) await dovecot.deliver(message(`m${i}`));
    const pollers = [0, 1, 2].map(() => setup({ inbox, lock: createRedisLease(redis, keys.imapLock) }).poller);
    const rounds = await Promise.all(pollers.map((p) => p.pollOnce()));
    expect(rounds.filter((r) => r.skipped === 'locked').length).toBeGreaterThanOrEqual(1);
    expect(rounds.reduce((n, r) => n + r.handedOver, 0)).toBe(5);
    expect(await entries()).toHaveLength(5);
    // The lease was released: the next round runs (and finds nothing new).
    expect(await pollers[0]!.pollOnce()).toEqual({ handedOver: 0, tooLarge: 0 });
  });

  it('leaves a message over the size limit in the mailbox for an operator, marked, and never fetches it again', async () => {
    const { poller, entries } = setup({ maxMessageBytes: 4_000 });
    await dovecot.deliver(message('huge', [], 'x'.repeat(10_000)));
    await dovecot.deliver(message('small'));
    expect(await poller.pollOnce()).toEqual({ handedOver: 1, tooLarge: 1 });
    expect(await entries()).toHaveLength(1);
    expect([...(await flagsIn()).get('huge')!]).toContain(TOO_LARGE_KEYWORD);
    expect(await poller.pollOnce()).toEqual({ handedOver: 0, tooLarge: 0 });
  });

  it('does not send the password in cleartext: imap:// without allowInsecure requires STARTTLS', async () => {
    const lines: string[] = [];
    const captured = createLogger('debug', new Writable({ write: (c, _e, cb) => (lines.push(c.toString()), cb()) }));
    await dovecot.deliver(message('untouched'));
    const logBefore = (await dovecot.log()).length;
    const { entries } = setup({ allowInsecure: false, logger: captured, scheduled: true });
    await until(async () => lines.join(''), (t) => t.includes('round failed'), 15_000, 'the failed round to be logged');
    // The server never saw a login attempt: the client gave up when STARTTLS was not offered.
    await new Promise((r) => setTimeout(r, 200));
    expect((await dovecot.log()).slice(logBefore)).not.toMatch(/Login: |auth failed/);
    expect(lines.join('')).toMatch(/STARTTLS/i);
    expect(lines.join('')).not.toContain(dovecot.pass);
    expect(await entries()).toHaveLength(0);
    expect([...(await flagsIn()).get('untouched')!]).toEqual([]);
  });
});

describe('bounce IMAP URL and delivery headers', () => {
  it('reads the URL and refuses what would leak the password', () => {
    expect(imapTarget('imaps://u%40x:p%2Fw@mail.example.org/Bounces', { allowInsecure: false })).toEqual({
      host: 'mail.example.org',
      port: 993,
      secure: true,
      doSTARTTLS: undefined,
      user: 'u@x',
      pass: 'p/w',
      mailbox: 'Bounces',
    });
    expect(imapTarget('imap://u:p@mail.example.org', { allowInsecure: false })).toMatchObject({ port: 143, secure: false, doSTARTTLS: true, mailbox: 'INBOX' });
    expect(imapTarget('imap://u:p@127.0.0.1:1143/INBOX', { allowInsecure: true })).toMatchObject({ doSTARTTLS: undefined });
    expect(() => imapTarget('https://u:secret@mail.example.org/', { allowInsecure: false })).toThrow(expect.objectContaining({ code: 'IMAP_URL_INVALID' }));
    expect(() => imapTarget('imaps://mail.example.org/', { allowInsecure: false })).toThrow(expect.objectContaining({ code: 'IMAP_URL_NO_CREDENTIALS' }));
    try {
      imapTarget('ftp://u:secret-word@h/', { allowInsecure: false });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret-word');
    }
  });

  it('takes Delivered-To, else X-Original-To, else To, from the header block only', () => {
    const raw = (h: string[]) => Buffer.from([...h, '', 'Delivered-To: not-a-header@body.example', ''].join('\r\n'));
    expect(deliveryAddresses(raw(['To: a@b.example', 'Delivered-To: <C@D.example>']))).toEqual(['c@d.example']);
    expect(deliveryAddresses(raw(['X-Original-To: x@y.example', 'To: a@b.example']))).toEqual(['x@y.example']);
    expect(deliveryAddresses(raw(['Subject: none']))).toEqual([]);
  });
});
