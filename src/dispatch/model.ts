export const DISPATCH_STATUSES = ['scheduled', 'planning', 'sending', 'paused', 'done', 'cancelled', 'failed'] as const;
export type DispatchStatus = (typeof DISPATCH_STATUSES)[number];

/**
 * Per recipient, per dispatch. `sending` is written before the SMTP call: it is
 * how a crash is noticed; `resending` is a second try after such a crash.
 */
export type LedgerState = 'sending' | 'resending' | 'sent' | 'failed' | 'suppressed' | 'uncertain';

export interface Dispatch {
  id: string;
  briefId: string;
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
  /** Readers this dispatch bounced: refused at RCPT, or reported later (DSN, webhook); each counted once. */
  bounced: number;
  /** Readers who reported this dispatch as spam (ARF, webhook); each counted once. */
  complained: number;
  /** Why the dispatch paused itself or failed (the relay's reply, a bounce spike…). */
  reason?: string;
  /** A stable code for `reason`: SMTP_REFUSED, BOUNCE_SPIKE, COMPLAINT_SPIKE, PLANNER_FAILED. */
  reasonCode?: string;
  /** Set at the end when total != sent + failed + suppressed + uncertain. */
  missing?: number;
}
