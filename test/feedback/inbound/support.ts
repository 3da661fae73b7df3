import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { createLogger } from '../../../src/logger.ts';

/**
 * Shared by the inbound tests: real Redis under a key prefix of the test's
 * own (its hash tag keeps the stream and its dead letters in one slot), and a
 * real SMTP client (Nodemailer's SMTPConnection) for the listener.
 */

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const logger = createLogger('silent');

export function testKeys() {
  const prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  return {
    prefix,
    inbox: `${prefix}:feedback:inbox`,
    unreadable: `${prefix}:feedback:unreadable`,
    rate: (subject: string, window: number) => `${prefix}:rate:bounce-smtp:${subject}|${window}`,
    imapLock: `${prefix}:feedback:imap-lock`,
  };
}

export { deleteKeys, until } from '../../support/harness.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every entry of a stream, with its fields as Buffers. */
export async function streamEntries(redis: Redis, key: string): Promise<{ id: string; fields: Map<string, Buffer> }[]> {
  const rows = await redis.xrangeBuffer(key, '-', '+');
  return rows.map(([id, fields]) => {
    const map = new Map<string, Buffer>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!.toString(), fields[i + 1]!);
    return { id: id.toString(), fields: map };
  });
}

export type SendOutcome =
  | { ok: true; response: string; accepted: string[]; rejected: string[] }
  | { ok: false; code: number | undefined; response: string; stage: 'connect' | 'send' };

/** One SMTP session: connect, MAIL/RCPT/DATA with `raw` as the message, QUIT. */
export async function sendRaw(port: number, envelope: { from: string; to: string[]; size?: number }, raw: Buffer | string): Promise<SendOutcome> {
  const conn = new SMTPConnection({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 20_000,
  });
  conn.on('error', () => undefined);
  try {
    const connected = await new Promise<Error | undefined>((resolve) => {
      conn.once('error', resolve);
      conn.connect((err?: Error) => resolve(err ?? undefined));
    });
    if (connected) return failure(connected, 'connect');
    return await new Promise<SendOutcome>((resolve) => {
      conn.send(envelope, raw as never, (err, info) => {
        if (err) return resolve(failure(err, 'send'));
        resolve({
          ok: true,
          response: String(info.response),
          accepted: info.accepted.map(String),
          rejected: info.rejected.map(String),
        });
      });
    });
  } finally {
    conn.quit();
    setTimeout(() => conn.close(), 500).unref();
  }
}

function failure(err: Error, stage: 'connect' | 'send'): SendOutcome {
  const e = err as Error & { responseCode?: number; response?: string };
  return { ok: false, code: e.responseCode, response: String(e.response ?? e.message), stage };
}

/** A DSN as a remote MTA sends it back to a VERP address; `extra` makes each one distinct. */
export function dsn(to: string, extra = ''): Buffer {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      `To: ${to}`,
      'Subject: Undelivered Mail Returned to Sender',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `The message could not be delivered. ${extra}`,
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      'Final-Recipient: rfc822; reader@example.com',
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}
