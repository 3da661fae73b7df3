import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVerp } from '../../src/feedback/verp.ts';
import { describeFeedback, identifyReader, parseFeedbackMessage } from '../../src/feedback/report/index.ts';

/**
 * Whose bounce is it, in the order: the VERP token, then the returned
 * Message-ID, then the reported address. The bounce fixtures are real; the
 * VERP address is put where an MTA would have it (the SMTP envelope, the
 * bounce's To, a feedback report's Original-Mail-From).
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/feedback/', import.meta.url));
const text = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const verp = createVerp('a-test-secret-that-is-long-enough-0123456789', 'bounces@bounces.example.org');
// The adapted Postfix bounce returns <d12.345.a1b2c3d4e5@news.example.org>; the token names another send.
const token = verp.envelopeFor('d77', '4242');

describe('identifying the reader of a report', () => {
  it('1. a VERP token in the envelope recipient wins over the Message-ID', async () => {
    const report = await parseFeedbackMessage(Buffer.from(text('briefwire-postfix-unknown-user.eml')), { envelopeTo: [token] });
    const reader = identifyReader(report, [token], verp);
    expect(reader).toMatchObject({ method: 'verp', dispatchId: 'd77', subscriberId: '4242', recipient: { kind: 'hard-bounce', status: '5.0.0' } });
  });

  it('1. a VERP token the bounce kept in its To: header counts when the envelope is gone (IMAP)', async () => {
    const raw = text('briefwire-postfix-unknown-user.eml').replace('To: postmaster@e1.example.ne.jp', `To: ${token}`);
    const reader = identifyReader(await parseFeedbackMessage(Buffer.from(raw)), [], verp);
    expect(reader).toMatchObject({ method: 'verp', dispatchId: 'd77', subscriberId: '4242' });
  });

  it('1. a feedback report’s Original-Mail-From carries the token back too', async () => {
    const raw = text('briefwire-arf-abuse.eml').replace('Original-Mail-From: fake.sender@example.net', `Original-Mail-From: <${token}>`);
    const reader = identifyReader(await parseFeedbackMessage(Buffer.from(raw)), ['fbl@bounces.example.org'], verp);
    expect(reader).toMatchObject({ method: 'verp', dispatchId: 'd77', subscriberId: '4242', recipient: { kind: 'complaint' } });
  });

  it('2. a forged token is ignored, and the returned Message-ID decides, with its tag for the caller to check', async () => {
    const forged = token.replace(/-[a-z2-7]{16}@/, '-aaaaaaaaaaaaaaaa@');
    const report = await parseFeedbackMessage(Buffer.from(text('briefwire-postfix-unknown-user.eml')));
    expect(identifyReader(report, [forged], verp)).toMatchObject({
      method: 'message-id',
      dispatchId: 'd12',
      subscriberId: '345',
      tag: 'a1b2c3d4e5',
      domain: 'news.example.org',
      recipient: { kind: 'hard-bounce', address: 'kijitora@example.net' },
    });
  });

  it('2. without BOUNCE_ADDRESS (no VERP) the Message-ID still names the reader; an old id has no tag', async () => {
    const report = await parseFeedbackMessage(Buffer.from(text('briefwire-sendmail-text.eml')));
    const reader = identifyReader(report, [token], null);
    expect(reader).toMatchObject({ method: 'message-id', dispatchId: 'd7', subscriberId: '9001' });
    expect(reader).not.toHaveProperty('tag');
  });

  it('2. a complaint’s enclosed original names the reader when the provider redacted the address', async () => {
    const reader = identifyReader(await parseFeedbackMessage(Buffer.from(text('briefwire-arf-abuse.eml'))), [], verp);
    expect(reader).toMatchObject({ method: 'message-id', dispatchId: 'd12', subscriberId: '345', recipient: { kind: 'complaint' } });
  });

  it('3. otherwise the reported address, the entry that matters most when there are several', async () => {
    const report = await parseFeedbackMessage(Buffer.from(text('postfix-user-unknown.eml')), { envelopeTo: ['bounces@bounces.example.org'] });
    expect(identifyReader(report, ['bounces@bounces.example.org'], verp)).toEqual({
      method: 'address',
      address: 'filtered@example.co.jp',
      recipient: report.recipients[0],
    });
    const jmrp = await parseFeedbackMessage(Buffer.from(text('arf-hotmail-jmrp.eml')));
    expect(identifyReader(jmrp, [], verp)).toMatchObject({ method: 'address', address: 'recipient@hotmail.com', recipient: { kind: 'complaint' } });
  });

  it('nobody when the report names no token, no id of ours and no address', async () => {
    const report = await parseFeedbackMessage(Buffer.from(text('arf-terra-abuse.eml')));
    expect(identifyReader(report, ['fbl@bounces.example.org'], verp)).toBeNull();
  });

  it('describes the feedback for the consent log without any address', async () => {
    const report = await parseFeedbackMessage(Buffer.from(text('exim-user-unknown.eml')));
    const detail = describeFeedback(report, report.recipients[0]);
    expect(detail).toMatch(/^bounce-heuristic 5\.1\.1 user-unknown: /);
    expect(detail).not.toContain('@');
    expect(detail.length).toBeLessThanOrEqual(300);
  });
});
