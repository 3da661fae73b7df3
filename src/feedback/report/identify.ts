import type { Verp } from '../verp.ts';
import type { FeedbackReport, ReportedKind, ReportedRecipient } from './types.ts';

/**
 * Whose report is it. In the order, strongest evidence first:
 * 1. the VERP token in the envelope recipient (or a header that kept it): an
 *    HMAC, so it cannot be forged;
 * 2. the enclosed original's Message-ID (`<dispatch.subscriber.tag@domain>`):
 *    anyone can write one, so the caller should check `tag` against the
 *    dispatch's id tag before acting on it;
 * 3. the address the report names: weakest, it names an address, not a send.
 */

export type IdentifyMethod = 'verp' | 'message-id' | 'address';

export interface IdentifiedReader {
  method: IdentifyMethod;
  dispatchId?: string;
  subscriberId?: string;
  /** Method 'address': the reported address, to look the subscriber up by. */
  address?: string;
  /** Method 'message-id': the Message-ID's id tag, when it has one. */
  tag?: string;
  /** Method 'message-id': the Message-ID's domain (ours, if the report is about our mail). */
  domain?: string;
  /** The report's recipient entry for this reader (kind, status, diagnostic). */
  recipient?: ReportedRecipient;
}

/** Which entry speaks for the reader when a report lists several: the most consequential. */
const WEIGHT: Record<ReportedKind, number> = { complaint: 5, unsubscribe: 4, 'hard-bounce': 3, 'soft-bounce': 2, 'auto-reply': 1, unknown: 0 };

export function primaryRecipient(report: FeedbackReport, withAddress = false): ReportedRecipient | undefined {
  let best: ReportedRecipient | undefined;
  for (const r of report.recipients) {
    if (withAddress && !r.address) continue;
    if (!best || WEIGHT[r.kind] > WEIGHT[best.kind]) best = r;
  }
  return best;
}

export function identifyReader(report: FeedbackReport, envelopeTo: readonly string[], verp: Verp | null): IdentifiedReader | null {
  const recipient = primaryRecipient(report);
  const withRecipient = (r: IdentifiedReader, rec = recipient): IdentifiedReader => (rec ? { ...r, recipient: rec } : r);
  if (verp) {
    for (const address of [...envelopeTo, ...report.envelopeHints]) {
      const ids = verp.parse(address);
      if (ids) return withRecipient({ method: 'verp', dispatchId: ids.dispatchId, subscriberId: ids.subscriberId });
    }
  }
  if (report.ids) {
    const { dispatchId, subscriberId, tag, domain } = report.ids;
    return withRecipient({ method: 'message-id', dispatchId, subscriberId, domain, ...(tag ? { tag } : {}) });
  }
  const named = primaryRecipient(report, true);
  if (named?.address) return withRecipient({ method: 'address', address: named.address }, named);
  return null;
}

/**
 * Operator-facing text for the consent log and the feedback record: type,
 * status, reason and the diagnostic with every address replaced, at most 300
 * characters (the policy's `detail` must carry no address).
 */
export function describeFeedback(report: FeedbackReport, recipient: ReportedRecipient | undefined): string {
  const head = [report.type === 'arf' ? `arf ${report.feedbackType ?? ''}`.trim() : report.type, recipient?.status, recipient?.reason, recipient?.action && recipient.action !== 'failed' ? recipient.action : undefined]
    .filter(Boolean)
    .join(' ');
  const words = (recipient?.diagnostic ?? report.note ?? report.reason ?? '')
    .split(' ')
    .map((w) => (w.includes('@') ? '<address>' : w))
    .join(' ');
  return (words ? `${head}: ${words}` : head).slice(0, 300);
}
