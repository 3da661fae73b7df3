import type { ClaimRequest, ClaimResult, DispatchStore } from './store.ts';

/**
 * The lanes of one batch claim their recipients one at a time, each right
 * before its send. Claims that come in the same event-loop turn (several
 * lanes whose SMTP replies arrived together) go to Redis as one call: the
 * per-command cost of the client (encoding, a socket write, a reply to parse)
 * was the largest part of briefwire's own CPU per message. No claim waits for
 * more than that turn, so nobody is marked `sending` earlier than before.
 */
export function claimBatcher(dispatches: DispatchStore, dispatchId: string) {
  type Waiting = { request: ClaimRequest; resolve: (r: ClaimResult) => void; reject: (e: unknown) => void };
  let waiting: Waiting[] = [];

  const flush = () => {
    const batch = waiting;
    waiting = [];
    dispatches.claim(dispatchId, batch.map((w) => w.request)).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i]!)),
      (err) => batch.forEach((w) => w.reject(err)),
    );
  };

  return (request: ClaimRequest): Promise<ClaimResult> =>
    new Promise((resolve, reject) => {
      // setImmediate runs after the I/O callbacks of this turn: every lane woken by them is in.
      if (waiting.push({ request, resolve, reject }) === 1) setImmediate(flush);
    });
}
