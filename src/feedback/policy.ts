import type { Metrics } from '../metrics.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import type { ConsentEvent, FeedbackSource, SubscriberStatus } from '../subscribers/model.ts';
import type { SoftBounceCounter } from './softBounces.ts';

export type { FeedbackSource } from '../subscribers/model.ts';

export type FeedbackKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'delivered';

export const FEEDBACK_SOURCES: readonly FeedbackSource[] = ['smtp', 'dsn', 'arf', 'ses', 'mailgun', 'sendgrid', 'postmark'];
export const FEEDBACK_KINDS: readonly FeedbackKind[] = ['hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'delivered'];
/** Why a message or event changed nothing: the `reason` of briefwire_feedback_unused_total. */
export const FEEDBACK_UNUSED = ['unreadable', 'no-reader', 'unknown-address', 'erased', 'auto-reply', 'not-acted', 'duplicate'] as const;

/** What a send, a bounce message, a complaint or a webhook says about one reader. */
export interface DeliveryFeedback {
  kind: FeedbackKind;
  source: FeedbackSource;
  subscriberId: string;
  dispatchId?: string;
  /** RFC 3463 enhanced status, e.g. "5.1.1", when the feedback carries one. */
  status?: string;
  /** Operator-facing text, no addresses (it goes into the consent log). */
  detail: string;
  /** ISO 8601, UTC: when the feedback was observed. */
  at: string;
  /**
   * What a soft bounce counts as, so a dispatch's retries and repeated reports
   * count once: the dispatch id; else a key of the report itself (a webhook
   * event id). Absent: the soft bounce is not counted.
   */
  softBounceKey?: string;
}

/**
 * The one place that decides what feedback does to a reader's status, shared
 * by the deliverer and the feedback intake so that a bounce means the same
 * thing whichever way it arrives. Dispatch bookkeeping (ledger, breakers,
 * per-dispatch counts) is not its business: callers settle that.
 *
 * - hard bounce: `bounced`; complaint: `complained`, at once;
 * - unsubscribe (a relay's List-Unsubscribe click, an ARF opt-out): `unsubscribed`;
 * - soft bounce: counted (SoftBounceCounter); `bounced` at SOFT_BOUNCE_LIMIT
 *   within SOFT_BOUNCE_DAYS. Not our own SMTP conversation's 4xx: the
 *   deliverer retries those, and greylisting is not a full mailbox;
 * - delivered: the soft-bounce count starts again.
 */
export interface FeedbackPolicy {
  apply(feedback: DeliveryFeedback): Promise<{ changed: boolean }>;
}

export interface FeedbackPolicyDeps {
  subscribers: SubscriberStore;
  /** Without it a soft bounce changes nothing, and neither does a delivery. */
  softBounces?: SoftBounceCounter;
  /** briefwire_feedback_total{source,kind}: every piece of feedback applied. */
  metrics?: Metrics;
}

type Leaving = 'bounced' | 'complained' | 'unsubscribed';

/**
 * Whether `leave` moved the reader: it answers the status they had before, and
 * leaves them alone when already there, or when an unsubscribe arrives for a
 * reader who bounced or complained (the stronger record stays).
 */
function moved(before: SubscriberStatus | null, to: Leaving): boolean {
  if (before === null || before === to) return false;
  return !(to === 'unsubscribed' && (before === 'bounced' || before === 'complained'));
}

export function createFeedbackPolicy(deps: FeedbackPolicyDeps): FeedbackPolicy {
  const { subscribers, softBounces } = deps;
  const leave = async (id: string, to: Leaving, event: ConsentEvent) => ({ changed: moved(await subscribers.leave(id, to, event), to) });

  const bounce = async (f: DeliveryFeedback, detail: string) => {
    // A complaint is the stronger record: a later bounce of the same reader must not replace it.
    if ((await subscribers.get(f.subscriberId))?.status === 'complained') return { changed: false };
    const r = await leave(f.subscriberId, 'bounced', { type: 'bounce', at: f.at, detail, ...origin(f) });
    if (r.changed) await softBounces?.reset(f.subscriberId);
    return r;
  };

  const softBounce = async (f: DeliveryFeedback) => {
    if (!softBounces || !f.softBounceKey || f.source === 'smtp') return { changed: false };
    const status = (await subscribers.get(f.subscriberId))?.status;
    if (status !== 'active' && status !== 'pending') return { changed: false };
    const count = await softBounces.record(f.subscriberId, f.softBounceKey, Date.parse(f.at) || Date.now());
    if (count < softBounces.limit) return { changed: false };
    const why = `${count} soft bounces within ${softBounces.windowDays} days; the last: ${f.detail}`;
    return bounce(f, why.slice(0, 300));
  };

  return {
    async apply(f) {
      // Our own conversation's 4xx is a retry, not a soft bounce (above): not counted as one either.
      if (!(f.source === 'smtp' && (f.kind === 'soft-bounce' || f.kind === 'delivered'))) deps.metrics?.feedback.inc({ source: f.source, kind: f.kind });
      switch (f.kind) {
        case 'hard-bounce':
          return bounce(f, f.detail);
        case 'complaint':
          return leave(f.subscriberId, 'complained', { type: 'complaint', at: f.at, detail: f.detail, ...origin(f) });
        case 'unsubscribe':
          return leave(f.subscriberId, 'unsubscribed', { type: 'withdraw', at: f.at, channel: 'relay', source: f.source });
        case 'soft-bounce':
          return softBounce(f);
        case 'delivered':
          // A mailbox that takes mail again is not full any more.
          if (f.source !== 'smtp') await softBounces?.reset(f.subscriberId);
          return { changed: false };
      }
    },
  };
}

/** The consent log's record of where a bounce or complaint came from. */
function origin(f: DeliveryFeedback) {
  return { ...(f.dispatchId ? { dispatchId: f.dispatchId } : {}), source: f.source, ...(f.status ? { status: f.status } : {}) };
}
