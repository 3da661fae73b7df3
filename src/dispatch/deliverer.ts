import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Mailer, MailSendError } from '../mail/mailer.ts';
import { classifySmtpFailure, describeSmtpFailure, refusalReason } from '../mail/smtpFailure.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import type { LinkTokens } from '../subscribers/tokens.ts';
import type { ClaimRequest, ClaimResult, DispatchStore, RecordOutcome } from './store.ts';
import type { SendRateLimiter } from './sendRate.ts';
import { renderBulkMessage, type BulkMessageTemplate } from './bulkMessage.ts';
import { claimerFor } from './claimBatcher.ts';

export interface DelivererDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  mailer: Mailer;
  dispatches: DispatchStore;
  subscribers: SubscriberStore;
  linkTokens: LinkTokens;
  sendRate: SendRateLimiter;
}

/** What the queue should do with the batch job next. */
export type BatchOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; reason: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'paused' }
  | { kind: 'interrupted' }
  | { kind: 'halted'; status: string };

/** Pre-built messages per dispatch, per process: loaded from Redis once, not per batch. */
const templates = new Map<string, Promise<BulkMessageTemplate | null>>();

function loadTemplate(dispatches: DispatchStore, dispatchId: string) {
  let t = templates.get(dispatchId);
  if (!t) {
    t = dispatches.loadMessage(dispatchId).then((json) => (json ? (JSON.parse(json) as BulkMessageTemplate) : null));
    templates.set(dispatchId, t);
    t.then((v) => v ?? templates.delete(dispatchId));
    while (templates.size > 20) templates.delete(templates.keys().next().value as string);
  }
  return t;
}

/**
 * Sends one batch. Per recipient: rate slot, atomic claim (which re-checks
 * pause/cancel and the subscriber's status, and records the lane's previous
 * outcome), splice, send. Up to
 * SMTP_POOL_SIZE sends are in flight so the pooled connections stay busy.
 */
export async function deliverBatch(
  deps: DelivererDeps,
  job: { dispatchId: string; ids: string[] },
  /** throttleExpired: the batch has been throttled past THROTTLE_MAX_MS; "slow down" now counts as transient (it uses attempts). */
  opts: { finalAttempt: boolean; shouldStop: () => boolean; throttleExpired?: boolean },
): Promise<BatchOutcome> {
  const { dispatches, config, metrics } = deps;
  const template = await loadTemplate(dispatches, job.dispatchId);
  if (!template) return { kind: 'retry', reason: 'message not built yet' };
  const base = config.http.publicUrl;
  // Label lookups once per batch, not per recipient.
  const sentTotal = metrics.emails.labels({ lane: 'bulk', outcome: 'sent' });
  const sendSeconds = metrics.sendSeconds.labels({ lane: 'bulk' });
  const transient: string[] = [];
  let stop: BatchOutcome | null = null;
  let lastError = '';
  let next = 0;

  type Outcome = { subscriberId: string; outcome: RecordOutcome };
  const claimer = claimerFor(dispatches);
  const claim = (request: ClaimRequest) => claimer(job.dispatchId, request);
  const record = (o: Outcome) => dispatches.record(job.dispatchId, o.subscriberId, o.outcome);

  /** The outcome a lane still owes the ledger; the lane's next claim records it. */
  type Carry = { pending: Outcome | null };

  /** Sends to one recipient; leaves its outcome in `carry` for the next claim (or the lane's end). */
  const sendOne = async (id: string, carry: Carry): Promise<void> => {
    // A record never waits behind the rate limit: a crash in that wait would leave it unsettled.
    if (carry.pending && deps.sendRate.limited) {
      await record(carry.pending);
      carry.pending = null;
    }
    await deps.sendRate.acquire();
    const claimed = await claim({ subscriberId: id, previous: carry.pending ?? undefined });
    // The claim has recorded it: should the attempt throw, nothing is owed any more.
    carry.pending = null;
    carry.pending = await attempt(id, claimed);
  };

  const attempt = async (id: string, claim: ClaimResult): Promise<Outcome | null> => {
    if (claim.action === 'halt') {
      stop ??= claim.status === 'paused' ? { kind: 'paused' } : { kind: 'halted', status: claim.status };
      return null;
    }
    if (claim.action === 'skip') {
      if (claim.state === 'suppressed') metrics.emails.inc({ lane: 'bulk', outcome: 'suppressed' });
      return null;
    }
    const token = deps.linkTokens.sign(id);
    const raw = renderBulkMessage(template, {
      to: claim.email,
      // Templates stored before idTag existed have none: their ids keep the old form.
      messageId: `${job.dispatchId}.${id}${template.idTag ? `.${template.idTag}` : ''}@${template.domain}`,
      unsubscribeUrl: `${base}/unsubscribe/${token}`,
      preferencesUrl: `${base}/preferences/${token}`,
    });
    const started = performance.now();
    try {
      await deps.mailer.send({ from: template.from, to: claim.email, raw });
      sentTotal.inc();
      return { subscriberId: id, outcome: 'sent' };
    } catch (e) {
      const err = e as MailSendError;
      const classified = classifySmtpFailure(err);
      const kind = classified === 'throttled' && opts.throttleExpired ? 'transient' : classified;
      lastError = describeSmtpFailure(err);
      metrics.emails.inc({ lane: 'bulk', outcome: kind });
      switch (kind) {
        case 'bounce': {
          // Settled before the subscriber changes: a retry must never find this address unsettled.
          const { tripped } = await dispatches.recordBounce(job.dispatchId, id, config.dispatch.bouncePauseRate);
          await deps.subscribers.leave(id, 'bounced', { type: 'bounce', at: new Date().toISOString(), detail: lastError, dispatchId: job.dispatchId });
          if (tripped) {
            deps.logger.error({ dispatchId: job.dispatchId, code: 'BOUNCE_SPIKE', reply: lastError }, 'dispatch paused: bounce spike (is the relay refusing everyone?)');
            stop ??= { kind: 'paused' };
          }
          return null;
        }
        case 'uncertain':
          return { subscriberId: id, outcome: 'uncertain' };
        case 'transient':
          transient.push(id);
          return { subscriberId: id, outcome: 'release' };
        case 'throttled':
          stop ??= { kind: 'throttled', reason: lastError };
          return { subscriberId: id, outcome: 'release' };
        case 'refused': {
          // The relay refuses the sender, the message or us, not this reader: nobody's status changes.
          await record({ subscriberId: id, outcome: 'release' });
          const reason = refusalReason(err);
          await dispatches.transition(job.dispatchId, 'paused', ['sending', 'planning'], { code: 'SMTP_REFUSED', text: reason });
          deps.logger.error({ dispatchId: job.dispatchId, code: 'SMTP_REFUSED', phase: err.phase, reply: lastError }, `dispatch paused: ${reason}`);
          stop ??= { kind: 'paused' };
          return null;
        }
      }
    } finally {
      sendSeconds.observe((performance.now() - started) / 1000);
    }
  };

  const lane = async () => {
    const carry: Carry = { pending: null };
    try {
      while (!stop && next < job.ids.length) {
        if (opts.shouldStop()) {
          stop = { kind: 'interrupted' };
          break;
        }
        await sendOne(job.ids[next++]!, carry);
      }
    } finally {
      // The lane's last outcome has no next claim to ride on; nor has one whose claim call failed.
      if (carry.pending) await record(carry.pending);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.mail.poolSize, job.ids.length) }, lane));

  if (stop) return stop;
  if (transient.length) {
    if (!opts.finalAttempt) return { kind: 'retry', reason: lastError };
    await dispatches.failUnsettled(job.dispatchId, transient);
  }
  return { kind: 'done' };
}
