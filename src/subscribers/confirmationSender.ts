import type { Config } from '../config.ts';
import { composeMessage } from '../mail/compose.ts';
import { envelopeAddress } from '../mail/mailer.ts';
import { sendTransactional, type TransactionalMailDeps } from '../mail/transactional.ts';
import type { ConfirmationEmail } from './confirmationEmail.ts';
import type { SignupLimits } from './limits.ts';
import type { SubscriberStore } from './store.ts';
import type { ConfirmTokens } from './tokens.ts';

export interface ConfirmationDeps extends TransactionalMailDeps {
  config: Config;
  subscribers: SubscriberStore;
  confirmTokens: ConfirmTokens;
  signupLimits: SignupLimits;
  /** The compiled confirmation email, loaded on first use (compiled once per process). */
  confirmation: () => Promise<ConfirmationEmail>;
}

/**
 * A confirmation email, decided here rather than in the request so the API
 * answers the same for every address: only pending subscribers (and readers
 * who left and asked to rejoin) get one, at most one per address per window.
 * The token is minted at send time, so it never sits in a job payload.
 */
export async function sendConfirmation(deps: ConfirmationDeps, subscriberId: string, job: { id: string; firstAttempt: boolean }): Promise<string> {
  const sub = await deps.subscribers.get(subscriberId);
  if (!sub || !(sub.status === 'pending' || (sub.rejoinRequestedAt && sub.status !== 'active'))) return 'not-pending';
  if (job.firstAttempt && !(await deps.signupLimits.claimConfirmationSlot(subscriberId, job.id))) return 'recently-sent';
  const token = await deps.confirmTokens.issue(subscriberId);
  const confirmation = await deps.confirmation();
  const { html, text } = confirmation.render(`${deps.config.http.publicUrl}/confirm/${token}`);
  const from = deps.config.mail.confirmFrom;
  const raw = await composeMessage({ from, to: sub.email, subject: confirmation.subject, html, text });
  await sendTransactional(deps, { from: envelopeAddress(from), to: sub.email, raw });
  return 'sent';
}
