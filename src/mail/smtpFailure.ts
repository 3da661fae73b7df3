import type { MailSendError, SmtpPhase } from './mailer.ts';

/**
 * What a failed send means, read by the phase it failed in (REFERENCE: "SMTP replies by phase"):
 * - bounce: this reader's address is refused for good (a 5xx at RCPT naming the mailbox);
 * - refused: the relay refuses the sender, the message or us (a 5xx anywhere else, a 5.7.x
 *   policy reply, failed or unsafe authentication): nobody's status may change; pause and tell a human;
 * - throttled: the relay asks us to slow down (421, 454, or a 4xx that says so);
 * - transient: not delivered, try again later (other 4xx, a connection lost before the message was complete);
 * - uncertain: the whole message was handed over and no reply came: it may have been delivered.
 */
export type SmtpFailureKind = 'transient' | 'throttled' | 'bounce' | 'refused' | 'uncertain';

/** The RFC 3463 enhanced status code in a reply ("5.1.1"), if it carries one. */
export function enhancedStatus(text: string | undefined): string | undefined {
  const m = text ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(text) : null;
  return m?.[1];
}

const SLOW_DOWN = /rate limit|too many|throttl|slow down/i;

export function classifySmtpFailure(err: MailSendError): SmtpFailureKind {
  const code = err.responseCode;
  const phase = err.phase ?? 'connect';
  const status = err.enhancedStatus ?? enhancedStatus(err.response);
  if (code && code >= 500) {
    if (phase !== 'rcpt') return 'refused';
    // At RCPT, a policy reply (5.7.x, or a bare 554 / 530 / 535) is about us, not the reader.
    if (status?.startsWith('5.7.') || code === 530 || code === 535 || (code === 554 && !/^5\.[12]\./.test(status ?? ''))) return 'refused';
    // "Mailbox full" is a soft bounce in practice: the reader is not gone.
    if (status === '5.2.2') return 'transient';
    return 'bounce';
  }
  if (code && code >= 400) {
    // Greylisting also uses 4.7.x (451 4.7.1): only "slow down" replies are throttling.
    if (code === 421 || code === 454 || SLOW_DOWN.test(err.response ?? '')) return 'throttled';
    return 'transient';
  }
  // No reply to read: a login that failed without one, or a connection we must not authenticate on.
  if (err.code === 'EAUTH' || err.code === 'EINSECUREAUTH' || err.code === 'ETLS') return 'refused';
  return err.dataHandedOver ? 'uncertain' : 'transient';
}

const PHASE_TEXT: Record<SmtpPhase, string> = {
  connect: 'connecting',
  greeting: 'the greeting',
  ehlo: 'EHLO',
  starttls: 'STARTTLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  message: 'the end of data',
};

/** Short operator-facing text for a failure: phase, reply, no addresses. */
export function describeSmtpFailure(err: MailSendError): string {
  const phase = PHASE_TEXT[err.phase ?? 'connect'];
  const reply = err.response ? err.response.replace(/\s+/g, ' ') : (err.message ?? 'unknown error');
  // Replies often quote the recipient; the reason is shown to editors, so addresses are left out.
  return `${err.code ?? 'SMTP'} at ${phase}: ${reply.replace(/[^\s<>:;,]+@[^\s<>:;,]+/g, '<address>')}`.slice(0, 300);
}

/** What an operator should read when a refusal pauses a dispatch. */
export function refusalReason(err: MailSendError): string {
  const what: Partial<Record<SmtpPhase, string>> = {
    mail: 'the relay refused the sender',
    rcpt: 'the relay refused us by policy',
    data: 'the relay refused the message',
    message: 'the relay refused the message',
    auth: 'SMTP authentication failed',
  };
  const head = err.code === 'EINSECUREAUTH' ? 'credentials would go out without TLS' : (what[err.phase ?? 'connect'] ?? 'the relay refused the connection');
  return `${head} (${describeSmtpFailure(err)})`;
}
