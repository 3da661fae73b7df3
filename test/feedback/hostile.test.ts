import { describe, expect, it } from 'vitest';
import { parseFeedbackMessage } from '../../src/feedback/report/index.ts';

/**
 * Mail from anyone reaches the bounce address. Whatever arrives, the reader
 * returns (no throw, no hang, bounded memory) with 'unknown' and a reason or a
 * sensible report, so the caller can keep what it could not read. Timings are
 * not asserted; each test's own timeout is kept short instead.
 */

const QUICK = 10_000;

function nested(depth: number): Buffer {
  let body = 'From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n';
  for (let i = 0; i < depth; i++) body += `--b${i}\nContent-Type: multipart/mixed; boundary="b${i + 1}"\n\n`;
  body += `--b${depth}\nContent-Type: text/plain\n\nhello\n`;
  for (let i = depth; i >= 0; i--) body += `--b${i}--\n`;
  return Buffer.from(body);
}

const DSN_HEAD = 'From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="zz"\n\n';

describe('reading hostile input', () => {
  it('refuses deep MIME nesting before parsing it', { timeout: QUICK }, async () => {
    expect(await parseFeedbackMessage(nested(5000))).toMatchObject({ type: 'unknown', reason: 'too-deep' });
    // Shallow enough nesting is read normally.
    expect((await parseFeedbackMessage(nested(10))).type).toBe('bounce-heuristic');
  });

  it('refuses a 5 MB header', { timeout: QUICK }, async () => {
    const raw = Buffer.from(`Subject: ${'a'.repeat(5 * 1024 * 1024)}\n\nbody\n`);
    expect(await parseFeedbackMessage(raw)).toMatchObject({ type: 'unknown', reason: 'header-too-large' });
  });

  it('refuses a header block of many small fields, and a huge header inside a part', { timeout: QUICK }, async () => {
    expect(await parseFeedbackMessage(Buffer.from(`${'X-Spam: yes\n'.repeat(300_000)}\nbody\n`))).toMatchObject({ type: 'unknown', reason: 'header-too-large' });
    const inPart = Buffer.from(`${DSN_HEAD}--zz\nX-Pad: ${'p'.repeat(2 * 1024 * 1024)}\nContent-Type: text/plain\n\nhi\n--zz--\n`);
    expect(await parseFeedbackMessage(inPart)).toMatchObject({ type: 'unknown', reason: 'header-too-large' });
  });

  it('refuses too many parts and messages over the size cap (a parameter)', { timeout: QUICK }, async () => {
    const parts = Buffer.from(`Content-Type: multipart/mixed; boundary="b"\n\n${'--b\nContent-Type: text/plain\n\nx\n'.repeat(5000)}--b--\n`);
    expect(await parseFeedbackMessage(parts)).toMatchObject({ type: 'unknown', reason: 'too-many-parts' });
    const big = Buffer.alloc(11 * 1024 * 1024, 'a');
    expect(await parseFeedbackMessage(big)).toMatchObject({ type: 'unknown', reason: 'too-large' });
    expect(await parseFeedbackMessage(Buffer.from(`Subject: x\n\n${'y'.repeat(2000)}`), { limits: { maxBytes: 1000 } })).toMatchObject({ reason: 'too-large' });
  });

  it('reads bad charsets, bad encodings and UTF-7 without throwing', { timeout: QUICK }, async () => {
    const inputs = [
      'From: MAILER-DAEMON@mx.example.net\nSubject: =?x-unknown?B?////?= =?utf-8?Q?=FF=FE?=\nContent-Type: text/plain; charset=x-no-such-charset\nContent-Transfer-Encoding: base64\n\n!!!! not base64 @@@@\n',
      'Content-Type: text/plain; charset=utf-7\n\n+ADw-script+AD4-alert(1)+ADw-/script+AD4-\n',
      `Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n${'=ZZ=\n'.repeat(100_000)}`,
      `${DSN_HEAD}--zz\nContent-Type: message/delivery-status; charset=bogus\nContent-Transfer-Encoding: base64\n\n\u0000\u0001\u00ff==\n--zz--\n`,
    ];
    for (const input of inputs) {
      const report = await parseFeedbackMessage(Buffer.from(input, 'latin1'));
      expect(['unknown', 'bounce-heuristic']).toContain(report.type);
    }
  });

  it('reads what it can of a truncated multipart report', { timeout: QUICK }, async () => {
    const raw = Buffer.from(`${DSN_HEAD}--zz\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1`);
    const report = await parseFeedbackMessage(raw);
    expect(report.type).toBe('dsn');
    // "5.1" is no status: the recipient is kept, failed, and not taken for a hard bounce.
    expect(report.recipients).toEqual([{ kind: 'soft-bounce', address: 'gone@example.org', action: 'failed', reason: 'other' }]);
  });

  it('caps the recipients of one report and the size of their fields', { timeout: QUICK }, async () => {
    const group = `Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 ${'x'.repeat(1500)}\n  ${'y'.repeat(1500)}\n\n`;
    const report = await parseFeedbackMessage(Buffer.from(`${DSN_HEAD}--zz\nContent-Type: message/delivery-status\n\n${group.repeat(70)}--zz--\n`));
    expect(report.type).toBe('dsn');
    expect(report.recipients).toHaveLength(50);
    for (const r of report.recipients) expect(r.diagnostic!.length).toBeLessThanOrEqual(1000);
  });

  it('reads long lines, long runs of spaces and binary garbage without backtracking', { timeout: QUICK }, async () => {
    const inputs = [
      Buffer.from(`From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\nHi. This is the qmail-send program\n${' '.repeat(8 * 1024 * 1024)}x\n`),
      Buffer.from(`From: MAILER-DAEMON@mx.example.net\nSubject: Undelivered Mail\n\n<${'a'.repeat(4 * 1024 * 1024)}@example.org>:\n${'5.5.5.'.repeat(500_000)}\n`),
      Buffer.from(`Content-Type: multipart/mixed; boundary="${'a'.repeat(5000)}"\n\n${`--${'a'.repeat(4999)}b\n`.repeat(1000)}`),
      Buffer.from(Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 256)),
      Buffer.alloc(0),
      Buffer.from('\n\n\n'),
    ];
    for (const input of inputs) {
      const report = await parseFeedbackMessage(input);
      expect(report.recipients.length).toBeLessThanOrEqual(50);
      expect(['unknown', 'bounce-heuristic']).toContain(report.type);
    }
  });

  it('takes a Uint8Array as well as a Buffer', { timeout: QUICK }, async () => {
    const raw = new TextEncoder().encode(`${DSN_HEAD}--zz\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; gone@example.org\nAction: failed\nStatus: 5.1.1\n\n--zz--\n`);
    expect((await parseFeedbackMessage(raw)).recipients).toMatchObject([{ kind: 'hard-bounce', status: '5.1.1' }]);
  });
});
