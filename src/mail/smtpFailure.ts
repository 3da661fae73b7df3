import type { MailSendError } from './mailer.ts';

/**
 * What a failed send means for the recipient and the dispatch:
 * - transient: not delivered, try again later (4xx, connection lost before the message was complete);
 * - throttled: the server asks us to slow down (421, 454, or a 4xx that says so);
 * - bounce: this address is permanently refused (5xx on the recipient);
 * - policy: the server refuses us, not the address (5.7.x, 535 auth): stop and tell a human;
 * - uncertain: the whole message was handed over and no reply came: it may have been delivered.
 */
export type SmtpFailureKind = 'transient' | 'throttled' | 'bounce' | 'policy' | 'uncertain';

export function classifySmtpFailure(err: MailSendError): SmtpFailureKind {
  const code = err.responseCode;
  const text = `${err.response ?? ''} ${err.message ?? ''}`;
  if (code) {
    if (code === 535 || code === 530 || /\b5\.7\.\d{1,3}\b/.test(text)) return 'policy';
    if (code >= 500) return code === 554 && !/\b5\.[12]\.\d/.test(text) ? 'policy' : 'bounce';
    // Greylisting also uses 4.7.x (451 4.7.1): only "slow down" replies are throttling.
    if (code === 421 || code === 454 || /rate limit|too many|throttl|slow down/i.test(text)) return 'throttled';
    return 'transient';
  }
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') return 'policy';
  return err.dataHandedOver ? 'uncertain' : 'transient';
}

/** Short operator-facing text for a failure (no addresses). */
export function describeSmtpFailure(err: MailSendError): string {
  const reply = err.response ?? err.message ?? 'unknown error';
  return `${err.code ?? 'SMTP'} ${reply}`.slice(0, 300);
}
