import { LRUCache } from 'lru-cache';
import type { Dispatch, SendPriority } from '../dispatch/model.ts';
import type { DispatchStore } from '../dispatch/store.ts';

/**
 * BullMQ priorities (lower goes first; every bulk job gets one, since jobs
 * with none would go ahead of all prioritized ones): a breaking dispatch's
 * batches overtake every waiting normal batch, and digests wait for both. A
 * batch already running finishes first, so a large routine send yields at its
 * next batch.
 */
export const JOB_PRIORITY: Record<SendPriority, number> = { breaking: 1, normal: 2, digest: 3 };

export interface Urgency {
  priority: SendPriority;
  /** When the send was due to go out (created, or its scheduled time): the start of publish-to-accept. */
  publishedMs: number;
}

export function urgencyOf(d: Pick<Dispatch, 'priority' | 'createdAt' | 'scheduledAt'>): Urgency {
  const created = Date.parse(d.createdAt);
  const scheduled = d.scheduledAt ? Date.parse(d.scheduledAt) : NaN;
  return { priority: d.priority, publishedMs: Number.isFinite(scheduled) && scheduled > created ? scheduled : created };
}

type UrgencyCache = LRUCache<string, Promise<Urgency>>;
const cacheByStore = new WeakMap<DispatchStore, UrgencyCache>();

/**
 * A dispatch's priority and publish time, read from Redis once per process
 * (neither ever changes): the deliverer asks once per batch, never per recipient.
 */
export function dispatchUrgency(dispatches: DispatchStore, dispatchId: string): Promise<Urgency> {
  let cache = cacheByStore.get(dispatches);
  if (!cache) cacheByStore.set(dispatches, (cache = new LRUCache({ max: 100 })));
  const hit = cache.get(dispatchId);
  if (hit) return hit;
  const forget = () => cache.peek(dispatchId) === loading && cache.delete(dispatchId);
  const loading: Promise<Urgency> = dispatches.get(dispatchId).then((d) => {
    if (d) return urgencyOf(d);
    // Gone (or never there): nothing to cache; the batch halts on its claim anyway.
    forget();
    return { priority: 'normal', publishedMs: Date.now() };
  });
  cache.set(dispatchId, loading);
  loading.catch(forget);
  return loading;
}
