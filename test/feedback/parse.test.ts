import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseFeedbackMessage, type ReportType, type ReportedKind } from '../../src/feedback/report/index.ts';

/**
 * Real bounces and complaints (test/fixtures/feedback, sources and licences in
 * LICENSES.md): what each one says about whom.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/feedback/', import.meta.url));
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

interface Expected {
  type: ReportType;
  recipients: Array<{ kind: ReportedKind; address?: string; status?: string; action?: string }>;
  originalMessageId?: string;
  feedbackType?: string;
}

const CASES: Record<string, Expected> = {
  // RFC examples.
  'rfc3464-simple-dsn.eml': { type: 'dsn', recipients: [{ kind: 'soft-bounce', address: 'louisl@larry.slip.umd.edu', status: '4.0.0', action: 'failed' }] },
  'rfc5965-abuse-report.eml': {
    type: 'arf',
    feedbackType: 'abuse',
    recipients: [{ kind: 'complaint', address: 'user@example.com' }],
    originalMessageId: '<8787KJKJ3K4J3K4J3K4J3.mail@example.net>',
  },
  // Postfix: two unknown users; a generic 5.0.0 read from the words; a full mailbox behind 5.0.0.
  'postfix-user-unknown.eml': {
    type: 'dsn',
    recipients: [
      { kind: 'hard-bounce', address: 'filtered@example.co.jp', status: '5.2.1', action: 'failed' },
      { kind: 'hard-bounce', address: 'userunknown@example.co.jp', status: '5.1.1', action: 'failed' },
    ],
  },
  'postfix-generic-status-unknown-user.eml': { type: 'dsn', recipients: [{ kind: 'hard-bounce', address: 'kijitora@example.net', status: '5.0.0' }] },
  'postfix-mailbox-full.eml': { type: 'dsn', recipients: [{ kind: 'soft-bounce', address: 'fullinbox@testreceiver.com', status: '5.0.0' }] },
  // Delays are not bounces.
  'exchange-delayed.eml': {
    type: 'dsn',
    recipients: [{ kind: 'unknown', address: 'rui.lopes@example.com', status: '4.4.7', action: 'delayed' }],
    originalMessageId: '<Q8P3DY5EH0U4.ERW6TCCK5TMF3@example.com>',
  },
  // Non-standard bounces, read by heuristics. Exim's says Auto-Submitted: auto-replied and is still a bounce.
  'exim-user-unknown.eml': {
    type: 'bounce-heuristic',
    recipients: [
      { kind: 'hard-bounce', address: 'kijitora@example.jp', status: '5.1.1' },
      { kind: 'hard-bounce', address: 'sabatora@example.jp', status: '5.2.1' },
    ],
    originalMessageId: '<E1X58pB-0004bW-2s@marutamachi.example.org>',
  },
  'qmail-unknown-user.eml': {
    type: 'bounce-heuristic',
    recipients: [{ kind: 'hard-bounce', address: 'kijitora@example.ne.jp', status: '5.5.0' }],
    originalMessageId: '<000000000.9999999999999.JavaMail.postmaster@mailhub>',
  },
  'sendmail-user-unknown.eml': { type: 'dsn', recipients: [{ kind: 'hard-bounce', address: 'userunknown@bouncehammer.jp', status: '5.1.1' }] },
  'briefwire-sendmail-text.eml': {
    type: 'bounce-heuristic',
    recipients: [{ kind: 'hard-bounce', address: 'userunknown@bouncehammer.jp', status: '5.1.1' }],
    originalMessageId: '<d7.9001@news.example.org>',
  },
  'gmail-text-user-unknown.eml': {
    type: 'bounce-heuristic',
    recipients: [{ kind: 'hard-bounce', address: 'aougoueioaldljgoiuiorghladkgke@example.fr', status: '5.1.1' }],
    originalMessageId: '<45B7FBD7-1218-4FCD-ACA1-4706F111E682@gmail.com>',
  },
  // The big mailbox providers.
  'hotmail-mailbox-full.eml': { type: 'dsn', recipients: [{ kind: 'soft-bounce', address: 'kijitora@example.jp', status: '5.2.2' }] },
  'exchange2007-recipient-not-found.eml': { type: 'dsn', recipients: [{ kind: 'hard-bounce', address: 'mikeneko@example.co.jp', status: '5.1.1' }] },
  'yahoo-policy-rejection.eml': { type: 'dsn', recipients: [{ kind: 'soft-bounce', address: 'kijitora@aol.example.jp', status: '5.7.9' }] },
  // Feedback loops: a Return Path FBL that names nobody, Microsoft's JMRP (not ARF at all).
  'arf-terra-abuse.eml': {
    type: 'arf',
    feedbackType: 'abuse',
    recipients: [{ kind: 'complaint' }],
    originalMessageId: '<f6fbba8a761ce682e1b00a323a21b372@example.net>',
  },
  'arf-hotmail-jmrp.eml': { type: 'arf', feedbackType: 'abuse', recipients: [{ kind: 'complaint', address: 'recipient@hotmail.com' }] },
  // Auto-replies: by header (RFC 3834) and by subject alone.
  'autoreply-auto-submitted.eml': { type: 'auto-reply', recipients: [{ kind: 'auto-reply', address: 'uppercrustcook@aol.com' }] },
  'autoreply-out-of-office.eml': { type: 'auto-reply', recipients: [{ kind: 'auto-reply', address: 'fred@example.com' }] },
};

describe('reading real bounce and complaint messages', () => {
  for (const [name, expected] of Object.entries(CASES)) {
    it(name, async () => {
      const report = await parseFeedbackMessage(fixture(name));
      expect(report.type).toBe(expected.type);
      expect(report.recipients).toHaveLength(expected.recipients.length);
      expected.recipients.forEach((want, i) => expect(report.recipients[i]).toMatchObject(want));
      if (expected.originalMessageId) expect(report.originalMessageId).toBe(expected.originalMessageId);
      if (expected.feedbackType) expect(report.feedbackType).toBe(expected.feedbackType);
    });
  }

  it('every fixture on disk is covered above', () => {
    const adapted = ['briefwire-postfix-unknown-user.eml', 'briefwire-arf-abuse.eml'];
    const onDisk = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml') && !adapted.includes(f));
    expect(onDisk.sort()).toEqual(Object.keys(CASES).sort());
  });

  it('keeps the diagnostic and the remote MTA of a DSN recipient', async () => {
    const [r] = (await parseFeedbackMessage(fixture('sendmail-user-unknown.eml'))).recipients;
    expect(r).toMatchObject({ diagnostic: '550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown', remoteMta: 'mx.bouncehammer.jp', reason: 'user-unknown' });
    const report = await parseFeedbackMessage(fixture('sendmail-user-unknown.eml'));
    expect(report.reportingMta).toBe('smtpgw.example.jp');
  });

  it('reads a full mailbox behind a generic 5.0.0 as soft, and a 5.7.x policy refusal as soft', async () => {
    expect((await parseFeedbackMessage(fixture('postfix-mailbox-full.eml'))).recipients[0]).toMatchObject({ kind: 'soft-bounce', reason: 'mailbox-full' });
    expect((await parseFeedbackMessage(fixture('yahoo-policy-rejection.eml'))).recipients[0]).toMatchObject({ kind: 'soft-bounce', reason: 'policy' });
  });

  it('takes our ids from the returned original (new and old Message-ID forms)', async () => {
    const dsn = await parseFeedbackMessage(fixture('briefwire-postfix-unknown-user.eml'));
    expect(dsn.ids).toEqual({ dispatchId: 'd12', subscriberId: '345', tag: 'a1b2c3d4e5', domain: 'news.example.org' });
    const text = await parseFeedbackMessage(fixture('briefwire-sendmail-text.eml'));
    expect(text.ids).toEqual({ dispatchId: 'd7', subscriberId: '9001', domain: 'news.example.org' });
    expect((await parseFeedbackMessage(fixture('postfix-user-unknown.eml'))).ids).toBeUndefined();
  });

  it('reads the other feedback types: opt-out unsubscribes, not-spam and auth-failure are nobody’s complaint', async () => {
    const rfc = fixture('rfc5965-abuse-report.eml').toString('utf8');
    const as = async (type: string) => (await parseFeedbackMessage(Buffer.from(rfc.replace('Feedback-Type: abuse', `Feedback-Type: ${type}`)))).recipients[0]?.kind;
    expect(await as('opt-out')).toBe('unsubscribe');
    expect(await as('unsubscribe')).toBe('unsubscribe');
    expect(await as('fraud')).toBe('complaint');
    expect(await as('virus')).toBe('complaint');
    expect(await as('not-spam')).toBe('unknown');
    expect(await as('auth-failure')).toBe('unknown');
  });

  it('keeps the ARF report fields and offers Original-Mail-From as a place a VERP token may be', async () => {
    const report = await parseFeedbackMessage(fixture('rfc5965-abuse-report.eml'), { envelopeTo: ['fbl@bounces.example.org'] });
    expect(report).toMatchObject({ userAgent: 'SomeGenerator/1.0', arrivalDate: 'Thu, 8 Mar 2005 14:00:00 EDT' });
    expect(report.envelopeHints[0]).toBe('fbl@bounces.example.org');
    expect(report.envelopeHints).toContain('somespammer@example.net');
  });

  it('reads the Microsoft notices by their words when the delivery-status part is missing', async () => {
    const cut = (name: string, boundary: string, nl = '\n') => {
      const s = fixture(name).toString('utf8');
      const from = s.indexOf(`--${boundary}${nl}Content-Type: message/delivery-status`);
      const to = s.indexOf(`--${boundary}${nl}Content-Type: message/rfc822`);
      expect(from).toBeGreaterThan(0);
      return Buffer.from(s.slice(0, from) + s.slice(to));
    };
    const exchange = await parseFeedbackMessage(cut('exchange2007-recipient-not-found.eml', '0000ffff-0000-0000-0000-0000'));
    expect(exchange).toMatchObject({ type: 'bounce-heuristic', note: 'exchange notice' });
    expect(exchange.recipients).toMatchObject([{ kind: 'hard-bounce', address: 'mikeneko@example.co.jp', status: '5.1.1', reason: 'user-unknown' }]);
    const hotmail = await parseFeedbackMessage(cut('hotmail-mailbox-full.eml', '9B095B5ADSN=_01D00052BDF896BA0006275EBLU004?OMC3S13.h', '\r\n'));
    // "Delivery … failed" with no reason given: failed, and the reader is not known to be gone.
    expect(hotmail.recipients).toMatchObject([{ kind: 'soft-bounce', address: 'kijitora@example.jp' }]);
  });

  it('reads a CRLF message as well as an LF one', async () => {
    const lf = fixture('postfix-user-unknown.eml').toString('utf8');
    const crlf = await parseFeedbackMessage(Buffer.from(lf.replaceAll('\n', '\r\n')));
    expect(crlf.recipients.map((r) => [r.kind, r.address, r.status])).toEqual([
      ['hard-bounce', 'filtered@example.co.jp', '5.2.1'],
      ['hard-bounce', 'userunknown@example.co.jp', '5.1.1'],
    ]);
  });

  it('says an ordinary message is not a report', async () => {
    const mail = Buffer.from('From: Ada <ada@example.org>\nTo: bounces@bounces.example.org\nSubject: Re: your brief\n\nThanks, interesting read.\n');
    expect(await parseFeedbackMessage(mail)).toMatchObject({ type: 'unknown', reason: 'not-a-report', recipients: [] });
  });
});
