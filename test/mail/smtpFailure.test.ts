import { describe, expect, it } from 'vitest';
import type { MailSendError, SmtpPhase } from '../../src/mail/mailer.ts';
import { classifySmtpFailure, describeSmtpFailure, enhancedStatus, type SmtpFailureKind } from '../../src/mail/smtpFailure.ts';

/**
 * The classifier on replies as the big providers and the common MTAs word
 * them (multi-line replies as Nodemailer hands them over, joined by "\n").
 * Only a 5xx at RCPT naming the mailbox is a reader's hard bounce.
 */

const reply = (phase: SmtpPhase, response: string, extra: Partial<MailSendError> = {}): MailSendError =>
  Object.assign(new Error('refused'), { phase, response, responseCode: Number(response.slice(0, 3)), code: phase === 'message' ? 'EMESSAGE' : 'EENVELOPE', ...extra });

const SAMPLES: [string, MailSendError, SmtpFailureKind][] = [
  // RCPT: the reader's mailbox is gone.
  ['Gmail, no such user', reply('rcpt', "550-5.1.1 The email account that you tried to reach does not exist. Please try\n550-5.1.1 double-checking the recipient's email address for typos or\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser"), 'bounce'],
  ['Gmail, account disabled', reply('rcpt', '550 5.2.1 The email account that you tried to reach is disabled.'), 'bounce'],
  ['Outlook, mailbox unavailable', reply('rcpt', '550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302).'), 'bounce'],
  ['Postfix, user unknown', reply('rcpt', '550 5.1.1 <reader@example.org>: Recipient address rejected: User unknown in virtual mailbox table'), 'bounce'],
  ['Postfix, bad domain', reply('rcpt', '554 5.1.2 <reader@nowhere.invalid>: Recipient address rejected: Domain not found'), 'bounce'],
  ['Exim, no enhanced code', reply('rcpt', '550 Unrouteable address'), 'bounce'],
  // RCPT, but about us (policy) or not final.
  ['Postfix, relay denied', reply('rcpt', '554 5.7.1 <reader@example.org>: Relay access denied'), 'refused'],
  ['Yahoo, IP on a block list', reply('rcpt', "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's list"), 'refused'],
  ['bare 554 at RCPT', reply('rcpt', '554 Transaction failed'), 'refused'],
  ['Gmail, over quota (soft in practice)', reply('rcpt', '552-5.2.2 The email account that you tried to reach is over quota and inactive.\n552 5.2.2 https://support.google.com/mail/?p=OverQuotaPerm'), 'transient'],
  ['greylisting', reply('rcpt', '451 4.7.1 Greylisting in action, please come back later'), 'transient'],
  ['Gmail, receiving too fast (one mailbox)', reply('rcpt', '450-4.2.1 The user you are trying to contact is receiving mail at a rate that\n450 4.2.1 prevents additional messages from being delivered.'), 'transient'],
  ['throttling at RCPT', reply('rcpt', '452 4.5.3 Too many recipients, slow down'), 'throttled'],
  // MAIL FROM: the sender is refused; nobody bounces.
  ['Postfix, sender domain not found', reply('mail', '553 5.1.8 <bounces@example.org>: Sender address rejected: Domain not found'), 'refused'],
  ['sender not owned', reply('mail', '550 5.7.1 Sender address rejected: not owned by user alerts@example.org'), 'refused'],
  ['SendGrid, unauthenticated sender', reply('mail', '550 Unauthenticated senders not allowed'), 'refused'],
  ['STARTTLS demanded first', reply('mail', '530 5.7.0 Must issue a STARTTLS command first.'), 'refused'],
  // DATA and the end of data: the message is refused.
  ['DATA refused', reply('data', '554 5.5.1 Error: no valid recipients'), 'refused'],
  ['Gmail, unauthenticated mail', reply('message', "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\n550 5.7.26 sender and Gmail users, and has been blocked."), 'refused'],
  ['size limit', reply('message', '552 5.3.4 Message size exceeds fixed limit'), 'refused'],
  ['Amazon SES, unverified identity', reply('message', '554 Message rejected: Email address is not verified.'), 'refused'],
  ['content filter', reply('message', '550 5.6.0 Message rejected: content policy'), 'refused'],
  ['Gmail, rate of unsolicited mail', reply('message', '421-4.7.28 Our system has detected an unusual rate of unsolicited mail\n421 4.7.28 originating from your IP address.'), 'throttled'],
  // The session: the relay refuses us.
  ['greeting, block list', reply('greeting', '554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org'), 'refused'],
  ['greeting, too busy', reply('greeting', '421 4.3.2 Service not available, closing transmission channel'), 'throttled'],
  ['EHLO refused', reply('ehlo', '550 5.7.1 EHLO name rejected'), 'refused'],
  ['Gmail, bad password', reply('auth', '535-5.7.8 Username and Password not accepted.\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials', { code: 'EAUTH' }), 'refused'],
];

describe('SMTP replies, classified by phase (real-world wording)', () => {
  for (const [name, err, kind] of SAMPLES) {
    it(`${name} at ${err.phase}: ${kind}`, () => expect(classifySmtpFailure(err)).toBe(kind));
  }

  it('failures without a reply: lost before the whole message left is transient, after is uncertain; unsafe or failed setup is refused', () => {
    const noReply = (extra: Partial<MailSendError>) => Object.assign(new Error('lost'), extra) as MailSendError;
    expect(classifySmtpFailure(noReply({ code: 'ECONNECTION', phase: 'data', dataHandedOver: false }))).toBe('transient');
    expect(classifySmtpFailure(noReply({ code: 'ETIMEDOUT', phase: 'message', dataHandedOver: true }))).toBe('uncertain');
    expect(classifySmtpFailure(noReply({ code: 'ETIMEDOUT', phase: 'connect' }))).toBe('transient');
    expect(classifySmtpFailure(noReply({ code: 'EINSECUREAUTH', phase: 'auth' }))).toBe('refused');
    expect(classifySmtpFailure(noReply({ code: 'ETLS', phase: 'starttls' }))).toBe('refused');
  });

  it('reads the enhanced status of single- and multi-line replies, and keeps addresses out of the operator text', () => {
    expect(enhancedStatus('550-5.1.1 The email account\n550 5.1.1 does not exist')).toBe('5.1.1');
    expect(enhancedStatus('550 Unrouteable address')).toBeUndefined();
    const text = describeSmtpFailure(reply('rcpt', '550 5.1.1 <reader@example.org>: Recipient address rejected'));
    expect(text).toContain('RCPT TO');
    expect(text).toContain('550 5.1.1');
    expect(text).not.toContain('reader@example.org');
  });
});
