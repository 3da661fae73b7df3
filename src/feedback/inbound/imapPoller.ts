import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import type { Logger } from '../../logger.ts';
import type { Inbox } from './inbox.ts';
import type { Lease } from './lease.ts';
import { imapTarget, type ImapTarget } from './imapUrl.ts';

/**
 * The bounce mailbox, for those who cannot point an MX at briefwire: each
 * round logs in with imapflow, hands every message not yet processed to the
 * inbox, and only then flags it (or moves it to `processedMailbox`).
 *
 * At least once, never lost: the flag or move comes after `inbox.add`
 * resolved, so a crash in between hands the message over again next round.
 * The consumer must dedupe, on `messageDigest(entry.raw)` (inbox.ts).
 * A lease keeps rounds from overlapping across workers; a round that outlives
 * it only costs such duplicates.
 */

/** Marks a message handed over. A keyword, not just \Seen: a person reading the mailbox must not hide a bounce from us. */
export const PROCESSED_KEYWORD = '$BriefwireProcessed';
/** Marks a message over `maxMessageBytes`: left in the mailbox for an operator, never fetched again. */
export const TOO_LARGE_KEYWORD = '$BriefwireTooLarge';

export interface ImapPollerOptions {
  /** `imaps://user:pass@host[:port]/MAILBOX`; `imap://` upgrades with STARTTLS (required unless `allowInsecure`). */
  url: string;
  inbox: Inbox;
  logger: Logger;
  intervalMs: number;
  /** One round at a time across workers (createRedisLease). */
  lock: Lease;
  /** Move handed-over messages there (created if missing); else they stay, flagged \Seen and PROCESSED_KEYWORD. */
  processedMailbox?: string;
  /** Lets `imap://` stay in cleartext when the server offers no STARTTLS: the password then crosses the wire. Tests only. */
  allowInsecure?: boolean;
  /** Default 10 MB, as the SMTP listener. */
  maxMessageBytes?: number;
  /** Messages per round, so a round (and the lease it needs) stays short. Default 200. */
  maxPerRound?: number;
  /** Default 5 min. */
  lockTtlMs?: number;
  /** Connect, greeting and socket inactivity. Default 30 s. */
  timeoutMs?: number;
  /** Extra TLS options, e.g. a private CA. */
  tls?: ConnectionOptions;
  /** false: no timer, rounds run only through pollOnce() (tests). Default true: the first round at once. */
  scheduled?: boolean;
}

export interface PollRound {
  /** 'locked': another worker holds the lease. */
  skipped?: 'locked';
  handedOver: number;
  tooLarge: number;
}

export interface ImapPoller {
  /** One round now (the timer runs them too); rejects when the mailbox could not be read. */
  pollOnce(): Promise<PollRound>;
  close(): Promise<void>;
}

const MAX_HINTS = 50;
const HEADER_SCAN_BYTES = 256 * 1024;
const DELIVERY_HEADERS = ['delivered-to', 'x-original-to', 'to'];

/** The addresses the mailbox's MTA says it delivered to: Delivered-To, else X-Original-To, else To. */
export function deliveryAddresses(raw: Buffer): string[] {
  const head = raw.subarray(0, HEADER_SCAN_BYTES).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const lines = (end < 0 ? head : head.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  for (const name of DELIVERY_HEADERS) {
    const found: string[] = [];
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).trim().toLowerCase() !== name) continue;
      for (const part of line.slice(colon + 1).split(',')) {
        const addr = (/<([^<>\s]+@[^<>\s]+)>/.exec(part)?.[1] ?? /([^\s<>"]+@[^\s<>"]+)/.exec(part)?.[1])?.toLowerCase();
        if (addr && !found.includes(addr) && found.length < MAX_HINTS) found.push(addr);
      }
    }
    if (found.length) return found;
  }
  return [];
}

export function startImapPoller(opts: ImapPollerOptions): ImapPoller {
  const target: ImapTarget = imapTarget(opts.url, { allowInsecure: !!opts.allowInsecure });
  const { inbox, logger, lock } = opts;
  const maxMessageBytes = opts.maxMessageBytes ?? 10 * 1024 * 1024;
  const maxPerRound = opts.maxPerRound ?? 200;
  const lockTtlMs = opts.lockTtlMs ?? 5 * 60_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Never the URL, user or password: this is what every log line says about the mailbox.
  const where = { host: target.host, port: target.port, mailbox: target.mailbox };
  const scrub = (text: string) => (target.pass ? text.split(target.pass).join('[redacted]') : text);

  const round = async (): Promise<PollRound> => {
    const result: PollRound = { handedOver: 0, tooLarge: 0 };
    if (!(await lock.acquire(lockTtlMs))) return { ...result, skipped: 'locked' };
    const client = new ImapFlow({
      host: target.host,
      port: target.port,
      secure: target.secure,
      doSTARTTLS: target.doSTARTTLS,
      auth: { user: target.user, pass: target.pass },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // Bounded memory even against a hostile server: no literal bigger than a message we would take.
      maxLiteralSize: maxMessageBytes + 64 * 1024,
      maxResponseSize: maxMessageBytes + 1024 * 1024,
      ...(opts.tls ? { tls: opts.tls } : {}),
    });
    // imapflow emits 'error' on a dropped connection; unheard, it would end the process.
    client.on('error', (e: Error) => logger.warn({ ...where, err: scrub(e.message) }, 'imap poller: connection error'));
    try {
      await client.connect();
      const box = await client.mailboxOpen(target.mailbox);
      const keywords = !box.permanentFlags || box.permanentFlags.has('\\*') || box.permanentFlags.has(PROCESSED_KEYWORD);
      if (opts.processedMailbox) {
        await client.mailboxCreate(opts.processedMailbox).catch((e: { serverResponseCode?: string; message: string }) => {
          if (e.serverResponseCode !== 'ALREADYEXISTS') throw e;
        });
      }
      // Without keywords (a server that allows none), \Seen is the only mark there is.
      const found = await client.search(keywords ? { unKeyword: PROCESSED_KEYWORD, deleted: false } : { seen: false, deleted: false }, { uid: true });
      if (!Array.isArray(found)) throw new Error('the server refused the search');
      const processed = keywords ? [PROCESSED_KEYWORD, '\\Seen'] : ['\\Seen'];

      for (const uid of found.slice(0, maxPerRound)) {
        const range = String(uid);
        const meta = await client.fetchOne(range, { uid: true, size: true, internalDate: true }, { uid: true });
        if (!meta) continue; // expunged meanwhile
        if ((meta.size ?? 0) > maxMessageBytes) {
          result.tooLarge++;
          logger.error({ ...where, uid, bytes: meta.size }, 'imap poller: message over the size limit left in the mailbox for an operator');
          await client.messageFlagsAdd(range, keywords ? [...processed, TOO_LARGE_KEYWORD] : processed, { uid: true });
          continue;
        }
        const msg = await client.fetchOne(range, { uid: true, source: true }, { uid: true });
        if (!msg || !msg.source) continue;
        const received = meta.internalDate instanceof Date && !Number.isNaN(meta.internalDate.getTime()) ? meta.internalDate : new Date();
        await inbox.add({ raw: msg.source, envelopeTo: deliveryAddresses(msg.source), source: 'imap', receivedAt: received.toISOString() });
        // Only now: before this line, a crash leaves the message unmarked and it comes again next round.
        await client.messageFlagsAdd(range, processed, { uid: true });
        if (opts.processedMailbox) await client.messageMove(range, opts.processedMailbox, { uid: true });
        result.handedOver++;
      }
      return result;
    } finally {
      await client.logout().catch(() => client.close());
      await lock.release().catch((e: Error) => logger.warn({ err: e.message }, 'imap poller: could not release the lease (it expires)'));
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  const pollOnce = () => {
    const p = current.then(round, round);
    current = p.catch(() => undefined);
    return p;
  };

  const tick = async () => {
    try {
      const r = await pollOnce();
      if (r.handedOver || r.tooLarge) logger.info({ ...where, ...r }, 'imap poller: round done');
    } catch (e) {
      const err = e as Error & { code?: string };
      logger.error({ ...where, code: err.code, err: scrub(err.message ?? String(e)) }, 'imap poller: round failed, will try again');
    }
    if (!stopped) timer = setTimeout(tick, opts.intervalMs);
  };
  if (opts.scheduled !== false) timer = setTimeout(tick, 0);

  return {
    pollOnce,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
