import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Mailer, MailSendError } from './mailer.ts';
import { classifySmtpFailure, describeSmtpFailure } from './smtpFailure.ts';

/** A send failure that retrying cannot fix: the recipient's address is refused for good. */
export class PermanentMailError extends Error {
  readonly code = 'MAIL_PERMANENT';
}

export interface TransactionalMailDeps {
  mailer: Mailer;
  metrics: Metrics;
  logger: Logger;
  /** BOUNCE_ADDRESS: the envelope sender of every transactional message when set (the From: header stays). */
  bounceAddress?: string;
}

/**
 * One message of the transactional lane (a confirmation, a test copy, a feed
 * notice), counted by outcome. A bounce becomes a PermanentMailError, so the
 * job is not retried for it; anything else retries with backoff. What is thrown
 * carries the scrubbed reply only: BullMQ keeps a failed job's reason and stack
 * (and its events stream repeats them), and a reply quoting the reader's address
 * must not outlive that reader's erasure.
 */
export async function sendTransactional(deps: TransactionalMailDeps, message: { from: string; to: string; raw: Buffer }): Promise<void> {
  try {
    await deps.mailer.send(deps.bounceAddress ? { ...message, from: deps.bounceAddress } : message);
    deps.metrics.emails.inc({ lane: 'transactional', outcome: 'sent' });
  } catch (e) {
    const err = e as MailSendError;
    const kind = classifySmtpFailure(err);
    deps.metrics.emails.inc({ lane: 'transactional', outcome: kind });
    if (kind === 'bounce') throw new PermanentMailError(describeSmtpFailure(err));
    // A refusal of the sender, the message or us is an operator's to fix: the job retries with backoff meanwhile.
    if (kind === 'refused') deps.logger.error({ code: 'SMTP_REFUSED', phase: err.phase, reply: describeSmtpFailure(err) }, 'transactional mail refused by the relay');
    throw Object.assign(new Error(describeSmtpFailure(err)), { code: err.code, phase: err.phase, responseCode: err.responseCode });
  }
}
