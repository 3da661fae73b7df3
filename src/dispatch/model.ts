export const DISPATCH_STATUSES = ['scheduled', 'planning', 'sending', 'paused', 'done', 'cancelled', 'failed'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/**
 * How urgent a send is. A `breaking` dispatch's batches go ahead of every
 * waiting `normal` one and ignore quiet hours; digests go after both.
 */
export const DISPATCH_PRIORITIES = ['breaking', 'normal'] as const;
export type DispatchPriority = (typeof DISPATCH_PRIORITIES)[number];
export type SendPriority = DispatchPriority | 'digest';

/**
 * Per recipient, per dispatch. `sending` is written before the SMTP call: it is
 * how a crash is noticed; `resending` is a second try after such a crash.
 * `expired`: not reached before the dispatch's `expiresAt`, and never sent.
 */
export type LedgerState = 'sending' | 'resending' | 'sent' | 'failed' | 'suppressed' | 'uncertain' | 'expired';

export interface Dispatch {
  id: string;
  /** `digest`: a daily digest send (src/digests/), carrying `briefIds`; its `briefId` is ''. */
  kind: 'brief' | 'digest';
  briefId: string;
  /** A digest send's briefs, newest first. */
  briefIds?: string[];
  /** The digest run that made a digest send. */
  run?: string;
  priority: SendPriority;
  /** Readers not reached by then are `expired`, never sent late. */
  expiresAt?: string;
  /** The audience filter; empty means the brief's topics. */
  topics: string[];
  status: DispatchStatus;
  createdAt: string;
  scheduledAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Recipients planned so far (final once `planned`). */
  total: number;
  planned: boolean;
  batches: number;
  batchesDone: number;
  sent: number;
  failed: number;
  suppressed: number;
  uncertain: number;
  /** Not reached before `expiresAt` (never sent). */
  expired: number;
  /** Readers of the audience left to their daily digest (not in `total`). */
  daily: number;
  /** Readers this dispatch bounced: refused at RCPT, or reported later (DSN, webhook); each counted once. */
  bounced: number;
  /** Readers who reported this dispatch as spam (ARF, webhook); each counted once. */
  complained: number;
  /** Why the dispatch paused itself or failed (the relay's reply, a bounce spike…). */
  reason?: string;
  /** A stable code for `reason`: SMTP_REFUSED, BOUNCE_SPIKE, COMPLAINT_SPIKE, PLANNER_FAILED. */
  reasonCode?: string;
  /** Set at the end: total - (sent + failed + suppressed + uncertain + expired); 0 when every recipient is accounted for. */
  missing?: number;
}
