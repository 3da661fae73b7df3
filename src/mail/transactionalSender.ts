import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import type { ConfirmTokens, LinkTokens } from '../subscribers/tokens.ts';
import type { SignupLimits } from '../subscribers/limits.ts';
import type { BriefStore } from '../briefs/store.ts';
import { compileStored } from '../briefs/forSending.ts';
import { personalize, prepareCompiled } from '../briefs/personalize.ts';
import type { ConfirmationEmail } from './confirmationEmail.ts';
import type { MailLane } from './lane.ts';
import { envelopeAddress, type Mailer, type MailSendError } from './mailer.ts';
import { composeMessage } from './compose.ts';
import { classifySmtpFailure, describeSmtpFailure } from './smtpFailure.ts';

export interface TransactionalDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  redis: RedisClient;
  keys: Keyspace;
  mailer: Mailer;
  subscribers: SubscriberStore;
  confirmTokens: ConfirmTokens;
  linkTokens: LinkTokens;
  signupLimits: SignupLimits;
  briefs: BriefStore;
  mailLane: MailLane;
  /** The compiled confirmation email, loaded on first use (compiled once per process). */
  confirmation: () => Promise<ConfirmationEmail>;
  templatesDir: string;
}

/** A send failure that retrying cannot fix: the recipient's address is refused for good. */
export class PermanentMailError extends Error {
  readonly code = 'MAIL_PERMANENT';
}

async function send(deps: TransactionalDeps, from: string, to: string, raw: Buffer) {
  try {
    await deps.mailer.send({ from: envelopeAddress(from), to, raw });
    deps.metrics.emails.inc({ lane: 'transactional', outcome: 'sent' });
  } catch (e) {
    const err = e as MailSendError;
    const kind = classifySmtpFailure(err);
    deps.metrics.emails.inc({ lane: 'transactional', outcome: kind });
    if (kind === 'bounce') throw new PermanentMailError(describeSmtpFailure(err));
    // A refusal of the sender, the message or us is an operator's to fix: the job retries with backoff meanwhile.
    if (kind === 'refused') deps.logger.error({ code: 'SMTP_REFUSED', phase: err.phase, reply: describeSmtpFailure(err) }, 'transactional mail refused by the relay');
    throw e;
  }
}

/**
 * A confirmation email, decided here rather than in the request so the API
 * answers the same for every address: only pending subscribers get one, at
 * most one per address per window. The token is minted at send time, so it
 * never sits in a job payload.
 */
export async function sendConfirmation(deps: TransactionalDeps, subscriberId: string, firstAttempt: boolean): Promise<string> {
  const sub = await deps.subscribers.get(subscriberId);
  if (!sub || sub.status !== 'pending') return 'not-pending';
  if (firstAttempt && !(await deps.signupLimits.claimConfirmationSlot(subscriberId))) return 'recently-sent';
  const token = await deps.confirmTokens.issue(subscriberId);
  const confirmation = await deps.confirmation();
  const { html, text } = confirmation.render(`${deps.config.http.publicUrl}/confirm/${token}`);
  const from = deps.config.mail.confirmFrom;
  const raw = await composeMessage({ from, to: sub.email, subject: confirmation.subject, html, text });
  await send(deps, from, sub.email, raw);
  return 'sent';
}

/** Test copies of a brief, subject marked; a retry skips the addresses already done. */
export async function sendTestCopies(deps: TransactionalDeps, requestId: string): Promise<string> {
  const request = await deps.mailLane.takeTestSend(requestId);
  if (!request) return 'expired';
  const stored = await deps.briefs.get(request.briefId);
  if (!stored) return 'brief-gone';
  const compiled = await compileStored(deps.config, stored, deps.templatesDir);
  const base = deps.config.http.publicUrl;
  const doneKey = `${deps.keys.prefix}:test-send:${requestId}:done`;
  for (const to of request.to) {
    if (await deps.redis.sismember(doneKey, to)) continue;
    const email = personalize(prepareCompiled(compiled), {
      unsubscribeUrl: `${base}/unsubscribe/test-copy`,
      preferencesUrl: `${base}/preferences/test-copy`,
      email: to,
    });
    const from = deps.config.mail.from;
    const raw = await composeMessage({ from, to, subject: `[TEST] ${email.subject}`, html: email.html, text: email.text });
    await send(deps, from, to, raw);
    await deps.redis.multi().sadd(doneKey, to).expire(doneKey, 24 * 3600).exec();
  }
  return 'sent';
}
