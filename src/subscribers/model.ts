import type { CadenceSetting } from '../cadence/model.ts';

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
  /** Each brief as it is sent (`instant`, also when absent), or in a daily digest, for all topics or per topic. */
  cadence?: CadenceSetting;
  /** IANA name; absent: DIGEST_TIME_ZONE. */
  timeZone?: string;
}

/**
 * Who reported a bounce, a complaint or a relay's unsubscribe: our own SMTP
 * conversation, a DSN, an ARF report, or a relay's webhook.
 */
export type FeedbackSource = 'smtp' | 'dsn' | 'arf' | 'ses' | 'mailgun' | 'sendgrid' | 'postmark';

/** One entry of the append-only consent log (the GDPR evidence). */
export type ConsentEvent =
  | { type: 'signup'; at: string; ip: string; userAgent: string; consentVersion: string; source: 'form' | 'api' | 'import'; consent?: string }
  | { type: 'confirm'; at: string; ip: string }
  /** `relay`: a relay or mailbox provider reported it (a List-Unsubscribe click it saw, an ARF opt-out), with its `source`. */
  | { type: 'withdraw'; at: string; channel: 'one-click' | 'unsubscribe-page' | 'preferences' | 'editor' | 'relay'; source?: FeedbackSource }
  /** `source` and `status` (RFC 3463) are absent from entries written before feedback came from anywhere but SMTP. */
  | { type: 'bounce' | 'complaint'; at: string; detail: string; dispatchId?: string; source?: FeedbackSource; status?: string }
  /** An editor undid the bounces a dispatch recorded (restore-bounced). */
  | { type: 'restore'; at: string; dispatchId: string; detail: string }
  /** An editor put one bounced or complained reader back (the subscriber page); `editor` is their token's label (EDITOR_TOKENS), never the token. */
  | { type: 'restore'; at: string; editor: string; from: 'bounced' | 'complained'; detail: string };

/** Topics are stored "|"-joined; "|" cannot appear in a configured topic name. */
export const joinTopics = (topics: readonly string[]) => topics.join('|');
export const splitTopics = (s: string | undefined | null) => (s ? s.split('|').filter(Boolean) : []);
