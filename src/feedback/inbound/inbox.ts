import { createHash } from 'node:crypto';
import type { RedisClient } from '../../redis/connection.ts';

/**
 * The durable hand-off between the ways bounce mail comes in (the SMTP
 * listener, the IMAP poller) and the code that reads it: one Redis stream.
 * The listener answers 250 only once `add` resolved, so a message it accepted
 * survives a worker crash; the consumer (inboxConsumer.ts) acknowledges an
 * entry only after its handler resolved.
 *
 * Delivery is at least once: an SMTP sender that never saw our 250, or a
 * poller that crashed between `add` and flagging the message, hands the same
 * bytes over again. The consumer dedupes on `messageDigest(raw)`.
 */

export type InboxSource = 'smtp' | 'imap';

export interface InboxEntry {
  /** The message exactly as it arrived (any bytes, not necessarily UTF-8). */
  raw: Buffer;
  /** RCPT TO of the SMTP session, or the delivery headers the mailbox kept; may be empty. */
  envelopeTo: string[];
  source: InboxSource;
  /** ISO 8601. */
  receivedAt: string;
  remoteIp?: string;
}

export interface Inbox {
  /** XADD; resolves with the entry id once Redis has the entry. */
  add(entry: InboxEntry): Promise<string>;
}

export type InboxErrorCode = 'INBOX_FULL' | 'INBOX_ENTRY_INVALID';

export class InboxError extends Error {
  readonly code: InboxErrorCode;
  constructor(code: InboxErrorCode, message: string) {
    super(message);
    this.name = 'InboxError';
    this.code = code;
  }
}

export interface InboxOptions {
  /**
   * XADD MAXLEN ~ n: a memory guard that drops the OLDEST entries, read or
   * not. Off by default, since a dropped entry is a lost bounce; prefer
   * `maxBacklog`, which refuses new mail instead (the sender retries).
   */
  maxLenApprox?: number;
  /**
   * Refuse `add` (InboxError INBOX_FULL) while the stream holds this many
   * entries: a flood then backs up in the senders' queues, not in Redis
   * memory. Checked with XLEN just before XADD, so it may overshoot by the
   * number of concurrent adds.
   */
  maxBacklog?: number;
}

/** SHA-256 (hex) of the raw bytes: the consumer's dedupe key for a message handed over twice. */
export function messageDigest(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex');
}

export function createInbox(redis: RedisClient, streamKey: string, opts: InboxOptions = {}): Inbox {
  return {
    async add(entry) {
      if (!Buffer.isBuffer(entry.raw)) throw new InboxError('INBOX_ENTRY_INVALID', 'inbox entry: raw must be a Buffer');
      if (opts.maxBacklog !== undefined && (await redis.xlen(streamKey)) >= opts.maxBacklog) {
        throw new InboxError('INBOX_FULL', `inbox holds ${opts.maxBacklog} unread messages or more`);
      }
      const fields: (string | Buffer)[] = [
        'raw',
        entry.raw,
        'envelopeTo',
        JSON.stringify(entry.envelopeTo),
        'source',
        entry.source,
        'receivedAt',
        entry.receivedAt,
      ];
      if (entry.remoteIp) fields.push('remoteIp', entry.remoteIp);
      const trim = opts.maxLenApprox !== undefined ? ['MAXLEN', '~', String(opts.maxLenApprox)] : [];
      const id = (await redis.xadd(streamKey, ...(trim as []), '*', ...(fields as [string]))) as string | null;
      if (!id) throw new Error('XADD returned no id');
      return id;
    },
  };
}

/** A stream entry's fields (as XREADGROUP's Buffer variant returns them) back into an entry. */
export function decodeInboxEntry(fields: Buffer[]): InboxEntry {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString('utf8'), fields[i + 1]!);
  const text = (name: string) => map.get(name)?.toString('utf8');
  const raw = map.get('raw');
  if (!raw) throw new InboxError('INBOX_ENTRY_INVALID', 'inbox entry has no raw field');
  let envelopeTo: string[] = [];
  try {
    const parsed: unknown = JSON.parse(text('envelopeTo') ?? '[]');
    if (Array.isArray(parsed)) envelopeTo = parsed.filter((a): a is string => typeof a === 'string');
  } catch {
    // A corrupt envelope still leaves the message itself readable: the parser has header hints.
  }
  const source = text('source') === 'imap' ? 'imap' : 'smtp';
  const remoteIp = text('remoteIp');
  return { raw, envelopeTo, source, receivedAt: text('receivedAt') ?? '', ...(remoteIp ? { remoteIp } : {}) };
}
