import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { DispatchStore } from '../dispatch/store.ts';
import type { Subscriber } from '../subscribers/model.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import { normalizeAddress } from '../subscribers/address.ts';
import { briefwireIds, identifyReader, primaryRecipient, type BriefwireMessageIds, type FeedbackReport, type ReportedRecipient } from './report/index.ts';
import type { WebhookEvent } from './webhooks/event.ts';
import type { Verp } from './verp.ts';

/**
 * Whose feedback is it, strongest evidence first:
 * - `verp`: the envelope's VERP token, an HMAC only we can make;
 * - `message-id`: our Message-ID, believed only when its id tag is the
 *   dispatch's own (random per dispatch, stored with its prebuilt message) and
 *   its domain ours: anyone can write `<d1.2@x>`;
 * - `relay`: a verified webhook's recipient address (the relay signed it);
 * - `address`: the address an unsigned bounce message names. Weakest: anyone
 *   who can mail the bounce address can name any reader. The intake acts on it
 *   only for hard bounces, complaints and unsubscribes (never soft bounces),
 *   and says so in the consent log.
 */
export type Evidence = 'verp' | 'message-id' | 'relay' | 'address';

export type FoundReader =
  | { found: true; subscriber: Subscriber; evidence: Evidence; dispatchId?: string; recipient?: ReportedRecipient }
  /**
   * `erased`: ours (VERP or a verified Message-ID) but the reader is gone;
   * `unknown-address`: the address named is nobody's (any more);
   * `no-reader`: the report names nobody we could look up.
   */
  | { found: false; why: 'erased' | 'unknown-address' | 'no-reader' };

export interface ReaderFinder {
  forReport(report: FeedbackReport, envelopeTo: readonly string[]): Promise<FoundReader>;
  forWebhook(event: WebhookEvent): Promise<FoundReader>;
}

type IdTag = { idTag?: string; domain?: string };

/** A webhook event's own key for counting a soft bounce once, without the address its id may hold. */
export const eventKey = (event: WebhookEvent) => `e:${createHash('sha256').update(`${event.provider}:${event.eventId}`).digest('base64url').slice(0, 22)}`;

export function createReaderFinder(deps: { subscribers: SubscriberStore; dispatches: DispatchStore; verp: Verp | null }): ReaderFinder {
  const { subscribers, dispatches, verp } = deps;
  // Only two fields of each prebuilt message (tens of KB of JSON), for the dispatches bounces come back for.
  const tags = new LRUCache<string, Promise<IdTag | null>>({ max: 200 });

  const idTagOf = (dispatchId: string): Promise<IdTag | null> => {
    const cached = tags.get(dispatchId);
    if (cached) return cached;
    const loading = dispatches.loadMessage(dispatchId).then((json) => {
      if (!json) return null;
      const m = JSON.parse(json) as IdTag;
      return { ...(m.idTag ? { idTag: m.idTag } : {}), ...(m.domain ? { domain: m.domain.toLowerCase() } : {}) };
    });
    tags.set(dispatchId, loading);
    // Only a message stays: a dispatch not (or no longer) stored, or a failed read, asks again next time.
    const forget = () => tags.peek(dispatchId) === loading && tags.delete(dispatchId);
    loading.then((m) => m ?? forget(), forget);
    return loading;
  };

  /** A Message-ID of ours is believed only with its dispatch's own id tag, on its own domain. */
  const verified = async (ids: BriefwireMessageIds): Promise<boolean> => {
    if (!ids.tag || !/^d[0-9]{1,15}$/.test(ids.dispatchId)) return false;
    const m = await idTagOf(ids.dispatchId);
    return !!m?.idTag && m.idTag === ids.tag && !!m.domain && m.domain === ids.domain;
  };

  const byId = async (subscriberId: string, evidence: Evidence, dispatchId: string, recipient?: ReportedRecipient): Promise<FoundReader> => {
    const subscriber = await subscribers.get(subscriberId);
    if (!subscriber) return { found: false, why: 'erased' };
    return { found: true, subscriber, evidence, dispatchId, ...(recipient ? { recipient } : {}) };
  };

  const byAddress = async (raw: string | undefined, evidence: Evidence, recipient?: ReportedRecipient): Promise<FoundReader> => {
    const address = normalizeAddress(raw);
    if (!address.ok) return { found: false, why: 'no-reader' };
    const subscriber = await subscribers.findByEmail(address.address);
    if (!subscriber) return { found: false, why: 'unknown-address' };
    return { found: true, subscriber, evidence, ...(recipient ? { recipient } : {}) };
  };

  return {
    async forReport(report, envelopeTo) {
      const who = identifyReader(report, envelopeTo, verp);
      if (who?.method === 'verp') return byId(who.subscriberId!, 'verp', who.dispatchId!, who.recipient);
      if (who?.method === 'message-id' && report.ids && (await verified(report.ids))) return byId(who.subscriberId!, 'message-id', who.dispatchId!, who.recipient);
      // A forged or unverifiable Message-ID is no evidence: what is left is the address the report names.
      const named = primaryRecipient(report, true);
      return byAddress(named?.address, 'address', named);
    },

    async forWebhook(event) {
      const ids = briefwireIds(event.messageId);
      if (ids && (await verified(ids))) return byId(ids.subscriberId, 'message-id', ids.dispatchId);
      return byAddress(event.address, 'relay');
    },
  };
}
