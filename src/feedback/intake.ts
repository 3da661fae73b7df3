import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { describeFeedback, parseFeedbackMessage, type FeedbackReport } from './report/index.ts';
import { keepForOperator } from './inbound/inboxConsumer.ts';
import { messageDigest, type InboxEntry } from './inbound/inbox.ts';
import type { WebhookEvent } from './webhooks/event.ts';
import type { DispatchFeedbackCounts } from './dispatchCounts.ts';
import type { DeliveryFeedback, FEEDBACK_UNUSED, FeedbackKind, FeedbackPolicy } from './policy.ts';
import { eventKey, type FoundReader, type ReaderFinder } from './readers.ts';

/**
 * Where bounce messages (the inbox consumer's `handle`) and relay webhook
 * events (the webhook routes' `intake`) become feedback: find the reader,
 * count the dispatch's part, apply the policy. Idempotent: a message handed
 * over twice (an SMTP sender that missed our 250, an IMAP round that crashed
 * before flagging) is known by the digest of its bytes; webhook retries are
 * stopped by the replay guard; and every step below counts a reader once
 * anyway, so even two copies handled at the same moment change nothing twice.
 *
 * Nothing here logs or keeps an address: logs carry ids, the consent log an
 * address-free description. A message naming nobody we can look up is kept
 * for an operator in the unreadable stream; one about a reader who has been
 * erased is dropped, since the message itself names them.
 */

export interface FeedbackIntake {
  /** One inbox entry (the inbox consumer's handler); throws only when Redis fails, so the entry is tried again. */
  handleMessage(entry: InboxEntry, entryId?: string): Promise<void>;
  /** Verified, first-seen webhook events; throws only when Redis fails (the routes then unclaim them, the relay retries). */
  handleWebhookEvents(events: readonly WebhookEvent[]): Promise<void>;
}

export interface FeedbackIntakeDeps {
  redis: RedisClient;
  keys: Keyspace;
  readers: ReaderFinder;
  policy: FeedbackPolicy;
  counts: DispatchFeedbackCounts;
  metrics: Metrics;
  logger: Logger;
  /** How long a handled message's digest is remembered; longer than any sender's retries (default 7 days). */
  seenTtlSec?: number;
}

// Kept in policy.ts with the other label sets: metrics.ts reads them without loading the report parsers.
export { FEEDBACK_UNUSED } from './policy.ts';
type Unused = (typeof FEEDBACK_UNUSED)[number];

/** What unsigned mail may do on the strength of an address alone (see readers.ts). */
const ON_ADDRESS_ALONE = new Set<FeedbackKind>(['hard-bounce', 'complaint', 'unsubscribe']);
const POLICY_KINDS = new Set<string>(['hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'delivered']);

export function createFeedbackIntake(deps: FeedbackIntakeDeps): FeedbackIntake {
  const { redis, keys, readers, policy, counts, metrics, logger } = deps;
  const seenTtlSec = deps.seenTtlSec ?? 7 * 24 * 3600;
  const unused = (reason: Unused, context: Record<string, unknown> = {}) => {
    metrics.feedbackUnused.inc({ reason });
    logger.info({ reason, ...context }, 'feedback changed nothing');
  };

  /** The dispatch's count first, then the reader: both count once, so a retry after a failure in between is harmless. */
  const apply = async (f: DeliveryFeedback) => {
    let paused = false;
    if (f.dispatchId && f.kind === 'hard-bounce') await counts.bounced(f.dispatchId, f.subscriberId);
    if (f.dispatchId && f.kind === 'complaint') ({ paused } = await counts.complained(f.dispatchId, f.subscriberId));
    const { changed } = await policy.apply(f);
    // A soft bounce changes a reader only when it was the one too many: it bounced them.
    if (f.dispatchId && f.kind === 'soft-bounce' && changed) await counts.bounced(f.dispatchId, f.subscriberId);
    logger.info({ subscriberId: f.subscriberId, dispatchId: f.dispatchId, source: f.source, kind: f.kind, status: f.status, changed }, 'feedback applied');
    if (paused) logger.error({ dispatchId: f.dispatchId, code: 'COMPLAINT_SPIKE' }, 'dispatch paused: its complaint rate passed COMPLAINT_PAUSE_RATE');
  };

  /** Into the unreadable stream (the consumer's dead letters: capped, same shape), `error` saying why: README "Bounces and complaints". */
  const keep = async (entry: InboxEntry, entryId: string | undefined, reason: 'unreadable' | 'no-reader', detail: string) => {
    const why = `${reason}: ${detail}`.slice(0, 300);
    await keepForOperator(redis, keys.feedbackUnreadable, entry, why, entryId ? { inboxId: entryId } : {});
    metrics.feedbackUnused.inc({ reason });
    logger.warn({ inboxId: entryId, reason, detail: why }, 'feedback message kept for an operator');
  };

  const readMessage = async (entry: InboxEntry, entryId: string | undefined) => {
    const report: FeedbackReport = await parseFeedbackMessage(entry.raw, { envelopeTo: entry.envelopeTo });
    if (report.type === 'unknown') return keep(entry, entryId, 'unreadable', `${report.reason ?? 'not-a-report'}${report.note ? `: ${report.note}` : ''}`);
    if (report.type === 'auto-reply') return unused('auto-reply', { inboxId: entryId });
    const who = await readers.forReport(report, entry.envelopeTo);
    if (!who.found) {
      if (who.why === 'no-reader') return keep(entry, entryId, 'no-reader', `${report.type} naming no reader we could look up`);
      return unused(who.why, { inboxId: entryId, type: report.type });
    }
    const kind = who.recipient?.kind;
    if (!kind || !POLICY_KINDS.has(kind)) return unused('not-acted', { inboxId: entryId, subscriberId: who.subscriber.id, kind });
    const feedbackKind = kind as FeedbackKind;
    if (who.evidence === 'address' && !ON_ADDRESS_ALONE.has(feedbackKind)) {
      return unused('not-acted', { inboxId: entryId, subscriberId: who.subscriber.id, kind, evidence: who.evidence });
    }
    const detail = describeFeedback(report, who.recipient);
    await apply({
      kind: feedbackKind,
      source: report.type === 'arf' ? 'arf' : 'dsn',
      subscriberId: who.subscriber.id,
      ...(who.dispatchId ? { dispatchId: who.dispatchId, softBounceKey: who.dispatchId } : {}),
      ...(who.recipient?.status ? { status: who.recipient.status } : {}),
      detail: (who.evidence === 'address' ? `identified by address only; ${detail}` : detail).slice(0, 300),
      at: isoOr(entry.receivedAt),
    });
  };

  const readEvent = async (event: WebhookEvent) => {
    if (!POLICY_KINDS.has(event.kind)) return unused('not-acted', { provider: event.provider, kind: event.kind });
    const who: FoundReader = await readers.forWebhook(event);
    if (!who.found) return unused(who.why, { provider: event.provider, kind: event.kind });
    await apply({
      kind: event.kind as FeedbackKind,
      source: event.provider,
      subscriberId: who.subscriber.id,
      ...(who.dispatchId ? { dispatchId: who.dispatchId } : {}),
      softBounceKey: who.dispatchId ?? eventKey(event),
      ...(event.status ? { status: event.status } : {}),
      detail: [event.provider, event.kind, event.status, event.diagnostic].filter(Boolean).join(' ').slice(0, 300),
      at: isoOr(event.at),
    });
  };

  return {
    async handleMessage(entry, entryId) {
      const seen = keys.feedbackSeen(messageDigest(entry.raw));
      if ((await redis.exists(seen)) === 1) return unused('duplicate', { inboxId: entryId });
      await readMessage(entry, entryId);
      // Only once it is all done: a crash before this line handles the message again, which changes nothing twice.
      await redis.set(seen, '1', 'EX', seenTtlSec);
    },
    async handleWebhookEvents(events) {
      for (const event of events) await readEvent(event);
    },
  };
}

const isoOr = (at: string | undefined) => (at && Number.isFinite(Date.parse(at)) ? new Date(Date.parse(at)).toISOString() : new Date().toISOString());
