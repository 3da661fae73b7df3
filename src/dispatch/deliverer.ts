import { LRUCache } from 'lru-cache';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Mailer, MailSendError } from '../mail/mailer.ts';
import { classifySmtpFailure, describeSmtpFailure, enhancedStatus, refusalReason, type SmtpFailureKind } from '../mail/smtpFailure.ts';
import type { DeliveryFeedback, FeedbackPolicy } from '../feedback/policy.ts';
import type { Verp } from '../feedback/verp.ts';
import type { LinkTokens } from '../subscribers/tokens.ts';
import type { ClaimRequest, ClaimResult, DispatchStore, RecordOutcome } from './store.ts';
import type { SendRateLimiter } from './sendRate.ts';
import { renderBulkMessage, type PrebuiltMessage } from './bulkMessage.ts';
import { claimerFor } from './claimBatcher.ts';
import { dispatchUrgency } from '../cadence/urgency.ts';

export interface DelivererDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  mailer: Mailer;
  dispatches: DispatchStore;
  /** Decides what a bounce does to the reader; the deliverer keeps only the dispatch's part. */
  policy: FeedbackPolicy;
  linkTokens: LinkTokens;
  sendRate: SendRateLimiter;
  /** BOUNCE_ADDRESS set: each copy's envelope sender names its dispatch and reader (VERP), so a late bounce says whose it is. */
  verp?: Verp | null;
}

/** What the queue should do with the batch job next. */
export type BatchOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; reason: string }
  | { kind: 'throttled'; reason: string }
  | { kind: 'paused' }
  | { kind: 'interrupted' }
  | { kind: 'halted'; status: string };

type PrebuiltCache = LRUCache<string, Promise<PrebuiltMessage | null>>;

/**
 * Pre-built messages, loaded from Redis once per process rather than per batch.
 * One cache per store: dispatch ids count from d1 under each key prefix.
 */
const prebuiltByStore = new WeakMap<DispatchStore, PrebuiltCache>();

function loadPrebuilt(dispatches: DispatchStore, dispatchId: string): Promise<PrebuiltMessage | null> {
  let cache = prebuiltByStore.get(dispatches);
  if (!cache) prebuiltByStore.set(dispatches, (cache = new LRUCache({ max: 20 })));
  const cached = cache.get(dispatchId);
  if (cached) return cached;
  const loading = dispatches.loadMessage(dispatchId).then((json) => (json ? (JSON.parse(json) as PrebuiltMessage) : null));
  cache.set(dispatchId, loading);
  // Only a message stays: "not built yet" and a failed read must ask Redis again next batch.
  const forget = () => cache.peek(dispatchId) === loading && cache.delete(dispatchId);
  loading.then((message) => message ?? forget(), forget);
  return loading;
}

/**
 * The reader's part of a failed send, for the feedback policy: a refusal at
 * RCPT naming the mailbox (hard), or a temporary one there (soft, with its
 * status so the policy can tell a full mailbox from greylisting). Null when
 * the failure says nothing about the reader (the relay, the connection, us).
 */
function readerFeedback(kind: SmtpFailureKind, err: MailSendError, f: { subscriberId: string; dispatchId: string; detail: string }): DeliveryFeedback | null {
  const soft = kind === 'transient' && err.phase === 'rcpt' && err.responseCode !== undefined;
  if (kind !== 'bounce' && !soft) return null;
  const status = err.enhancedStatus ?? enhancedStatus(err.response);
  return { kind: soft ? 'soft-bounce' : 'hard-bounce', source: 'smtp', ...f, ...(status ? { status } : {}), at: new Date().toISOString() };
}

/**
 * Sends one batch. Per recipient: rate slot, atomic claim (which re-checks
 * pause/cancel and the subscriber's status, and records the send loop's
 * previous outcome), splice, send. SMTP_POOL_SIZE send loops run at once so
 * the pooled connections stay busy.
 */
export async function deliverBatch(
  deps: DelivererDeps,
  job: { dispatchId: string; ids: string[] },
  /** throttleExpired: the batch has been throttled past THROTTLE_MAX_MS; "slow down" now counts as transient (it uses attempts). */
  opts: { finalAttempt: boolean; shouldStop: () => boolean; throttleExpired?: boolean },
): Promise<BatchOutcome> {
  const { dispatches, config, metrics } = deps;
  const message = await loadPrebuilt(dispatches, job.dispatchId);
  if (!message) return { kind: 'retry', reason: 'message not built yet' };
  const base = config.http.publicUrl;
  // Label lookups once per batch, not per recipient.
  const sentTotal = metrics.emails.labels({ lane: 'bulk', outcome: 'sent' });
  const sendSeconds = metrics.sendSeconds.labels({ lane: 'bulk' });
  const urgency = await dispatchUrgency(dispatches, job.dispatchId);
  // A refusal pauses the dispatch only if nobody resumed it since this batch began (see transition.lua).
  const resumes = await dispatches.resumes(job.dispatchId);
  const publishToAccept = metrics.publishToAccept.labels({ priority: urgency.priority });
  const transient: string[] = [];
  let stop: BatchOutcome | null = null;
  let lastError = '';
  let next = 0;

  type Outcome = { subscriberId: string; outcome: RecordOutcome };
  const claimer = claimerFor(dispatches);
  const claim = (request: ClaimRequest) => claimer(job.dispatchId, request);
  const record = (o: Outcome) => dispatches.record(job.dispatchId, o.subscriberId, o.outcome);

  /**
   * The outcome a send loop still owes the ledger (its next claim records it),
   * and the loop's message buffer (renderBulkMessage): reused once its last
   * send was accepted, the relay's reply to the final dot meaning the socket
   * has written every byte of it.
   */
  type Carry = { pending: Outcome | null; buffer?: Buffer };

  /** Sends to one recipient; leaves its outcome in `carry` for the next claim (or the loop's end). */
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
    carry.pending = await attempt(id, claimed, carry);
  };

  const attempt = async (id: string, claim: ClaimResult, carry: Carry): Promise<Outcome | null> => {
    if (claim.action === 'halt') {
      stop ??= claim.status === 'paused' ? { kind: 'paused' } : { kind: 'halted', status: claim.status };
      return null;
    }
    if (claim.action === 'skip') {
      if (claim.state === 'suppressed' || claim.state === 'expired') metrics.emails.inc({ lane: 'bulk', outcome: claim.state });
      return null;
    }
    const token = deps.linkTokens.sign(id);
    const raw = renderBulkMessage(message, {
      to: claim.email,
      // Messages stored before idTag existed have none: their ids keep the old form.
      messageId: `${job.dispatchId}.${id}${message.idTag ? `.${message.idTag}` : ''}@${message.domain}`,
      unsubscribeUrl: `${base}/unsubscribe/${token}`,
      preferencesUrl: `${base}/preferences/${token}`,
    }, carry);
    // One HMAC per copy; the From: header is in the prebuilt message and never changes.
    const from = deps.verp ? deps.verp.envelopeFor(job.dispatchId, id) : message.from;
    const started = performance.now();
    try {
      await deps.mailer.send({ from, to: claim.email, raw });
      sentTotal.inc();
      publishToAccept.observe((Date.now() - urgency.publishedMs) / 1000);
      return { subscriberId: id, outcome: 'sent' };
    } catch (e) {
      // The socket may still hold these bytes: the next copy goes into a new buffer.
      carry.buffer = undefined;
      const err = e as MailSendError;
      const classified = classifySmtpFailure(err);
      const kind = classified === 'throttled' && opts.throttleExpired ? 'transient' : classified;
      lastError = describeSmtpFailure(err);
      metrics.emails.inc({ lane: 'bulk', outcome: kind });
      const feedback = readerFeedback(kind, err, { subscriberId: id, dispatchId: job.dispatchId, detail: lastError });
      switch (kind) {
        case 'bounce': {
          // Settled before the subscriber changes: a retry must never find this address unsettled.
          const { tripped } = await dispatches.recordBounce(job.dispatchId, id, config.dispatch.bouncePauseRate);
          if (feedback) await deps.policy.apply(feedback);
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
          if (feedback) await deps.policy.apply(feedback);
          return { subscriberId: id, outcome: 'release' };
        case 'throttled':
          stop ??= { kind: 'throttled', reason: lastError };
          return { subscriberId: id, outcome: 'release' };
        case 'refused': {
          // The relay refuses the sender, the message or us, not this reader: nobody's status changes.
          await record({ subscriberId: id, outcome: 'release' });
          const reason = refusalReason(err);
          await dispatches.transition(job.dispatchId, 'paused', ['sending', 'planning'], { code: 'SMTP_REFUSED', text: reason }, { resumes });
          deps.logger.error({ dispatchId: job.dispatchId, code: 'SMTP_REFUSED', phase: err.phase, reply: lastError }, `dispatch paused: ${reason}`);
          stop ??= { kind: 'paused' };
          return null;
        }
      }
    } finally {
      sendSeconds.observe((performance.now() - started) / 1000);
    }
  };

  const sendLoop = async () => {
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
      // The loop's last outcome has no next claim to ride on; nor has one whose claim call failed.
      if (carry.pending) await record(carry.pending);
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.mail.poolSize, job.ids.length) }, sendLoop));

  if (stop) return stop;
  if (transient.length) {
    if (!opts.finalAttempt) return { kind: 'retry', reason: lastError };
    await dispatches.failUnsettled(job.dispatchId, transient);
  }
  return { kind: 'done' };
}
