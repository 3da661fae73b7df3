export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export interface Subscriber {
  id: string;
  email: string;
  name: string;
  status: SubscriberStatus;
  /** Empty means "every brief". */
  topics: string[];
  createdAt: string;
  updatedAt: string;
  confirmedAt?: string;
  /** An unsubscribed, bounced or complained reader signed up again: their click on the confirmation link re-activates them. */
  rejoinRequestedAt?: string;
}

/** One entry of the append-only consent log (the GDPR evidence). */
export type ConsentEvent =
  | { type: 'signup'; at: string; ip: string; userAgent: string; consentVersion: string; source: 'form' | 'api' | 'import'; consent?: string }
  | { type: 'confirm'; at: string; ip: string }
  | { type: 'withdraw'; at: string; channel: 'one-click' | 'unsubscribe-page' | 'preferences' | 'editor' }
  | { type: 'bounce' | 'complaint'; at: string; detail: string; dispatchId?: string }
  /** An editor undid the bounces a dispatch recorded (restore-bounced). */
  | { type: 'restore'; at: string; dispatchId: string; detail: string };

/** Topics are stored "|"-joined; "|" cannot appear in a configured topic name. */
export const joinTopics = (topics: readonly string[]) => topics.join('|');
export const splitTopics = (s: string | undefined | null) => (s ? s.split('|').filter(Boolean) : []);
