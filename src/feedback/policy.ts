import type { SubscriberStore } from '../subscribers/store.ts';
import type { ConsentEvent, SubscriberStatus } from '../subscribers/model.ts';

/**
 * Where a piece of delivery feedback came from: our own SMTP conversation, a
 * DSN bounce message, an ARF complaint, or a relay's webhook.
 */
export type FeedbackSource = 'smtp' | 'dsn' | 'arf' | 'ses' | 'mailgun' | 'sendgrid' | 'postmark';

export type FeedbackKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'delivered';

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
}

/**
 * The one place that decides what feedback does to a reader's status, shared
 * by the deliverer and the feedback intake so that a bounce means the same
 * thing whichever way it arrives. Dispatch bookkeeping (ledger, breaker) is
 * not its business: callers settle that first.
 */
export interface FeedbackPolicy {
  apply(feedback: DeliveryFeedback): Promise<{ changed: boolean }>;
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

export function createFeedbackPolicy(deps: { subscribers: SubscriberStore }): FeedbackPolicy {
  const leave = async (id: string, to: Leaving, event: ConsentEvent) => ({ changed: moved(await deps.subscribers.leave(id, to, event), to) });
  return {
    async apply(f) {
      const dispatch = f.dispatchId ? { dispatchId: f.dispatchId } : {};
      switch (f.kind) {
        case 'hard-bounce':
          return leave(f.subscriberId, 'bounced', { type: 'bounce', at: f.at, detail: f.detail, ...dispatch });
        case 'complaint':
          return leave(f.subscriberId, 'complained', { type: 'complaint', at: f.at, detail: f.detail, ...dispatch });
        case 'unsubscribe':
          // The consent log has no relay channel yet: what relays report is a List-Unsubscribe click, i.e. one-click.
          return leave(f.subscriberId, 'unsubscribed', { type: 'withdraw', at: f.at, channel: 'one-click' });
        case 'soft-bounce':
        case 'delivered':
          // Nothing yet: a mailbox that is full or away today is not gone.
          return { changed: false };
      }
    },
  };
}
