import type { ClaimRequest, ClaimResult, DispatchStore } from './store.ts';

/**
 * Every lane claims its recipients one at a time, each right before its send.
 * Claims for the same dispatch that come in the same event-loop turn (lanes of
 * one or several batches of this process whose SMTP replies arrived together)
 * go to Redis as one call: the client's per-command cost (encoding, a socket
 * write, a reply to parse) was the largest part of briefwire's own CPU per
 * message. No claim waits longer than that turn, so nobody is marked
 * `sending` earlier than before.
 */
export type Claimer = (dispatchId: string, request: ClaimRequest) => Promise<ClaimResult>;

type Waiting = { request: ClaimRequest; resolve: (r: ClaimResult) => void; reject: (e: unknown) => void };

function claimBatcher(dispatches: DispatchStore): Claimer {
  const waiting = new Map<string, Waiting[]>();

  const flush = (dispatchId: string) => {
    const batch = waiting.get(dispatchId)!;
    waiting.delete(dispatchId);
    dispatches.claim(dispatchId, batch.map((w) => w.request)).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
      (err) => batch.forEach((w) => w.reject(err)),
    );
  };

  return (dispatchId, request) =>
    new Promise((resolve, reject) => {
      let batch = waiting.get(dispatchId);
      if (!batch) {
        waiting.set(dispatchId, (batch = []));
        // setImmediate runs after the I/O callbacks of this turn: every lane woken by them is in.
        setImmediate(flush, dispatchId);
      }
      batch.push({ request, resolve, reject });
    });
}

/** One claimer per store, so every batch of a process shares it. */
const claimers = new WeakMap<DispatchStore, Claimer>();
export function claimerFor(dispatches: DispatchStore): Claimer {
  let c = claimers.get(dispatches);
  if (!c) claimers.set(dispatches, (c = claimBatcher(dispatches)));
  return c;
}
