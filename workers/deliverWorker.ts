import { DelayedError, Worker, type Queue } from 'bullmq';
import type { DeliverJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import type { Keyspace } from '../src/redis/keys.ts';
import type { DispatchStore } from '../src/dispatch/store.ts';
import type { DelivererDeps } from '../src/dispatch/deliverer.ts';

const PAUSE_POLL_MS = 1_000;

/**
 * Deliver jobs: a batch of recipient ids each. The outcome of deliverBatch
 * decides what BullMQ does next: complete, retry with backoff (uses an
 * attempt), rate-limit the queue (does not), or park while paused.
 */
export function startDeliverWorker(
  deps: DelivererDeps & { keys: Keyspace; dispatches: DispatchStore; deliverQueue: Queue<DeliverJob> },
  connection: RedisClient,
  queueName: string,
  state: { stopping: boolean },
): Worker<DeliverJob> {
  const worker: Worker<DeliverJob> = new Worker<DeliverJob>(
    queueName,
    async (job, token) => {
      const { dispatchId, batch, ids } = job.data;
      const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      // Throttling uses no attempt, so it needs an end of its own: past THROTTLE_MAX_MS a "slow down"
      // reply counts as a transient failure, which retries with backoff and runs out of attempts.
      const since = job.data.throttledSince;
      const throttleExpired = since !== undefined && Date.now() - since > deps.config.dispatch.throttleMaxMs;
      // The send path (MIME assembly, the ledger's scripts) loads with the first batch.
      const { deliverBatch } = await import('../src/dispatch/deliverer.ts');
      const outcome = await deliverBatch(deps, { dispatchId, ids }, { finalAttempt, shouldStop: () => state.stopping, throttleExpired });
      switch (outcome.kind) {
        case 'done':
        case 'halted':
          // Cancelled (or failed) dispatches complete their jobs without sending.
          await deps.dispatches.batchDone(dispatchId, batch);
          return outcome.kind;
        case 'retry':
          throw new Error(`batch ${batch} of ${dispatchId} will be retried: ${outcome.reason}`);
        case 'throttled':
          if (since === undefined) await job.updateData({ ...job.data, throttledSince: Date.now() });
          await deps.deliverQueue.rateLimit(deps.config.dispatch.throttleMs);
          throw Worker.RateLimitError();
        case 'paused':
        case 'interrupted':
          // Park the job; it comes back and re-checks. The ledger makes the rerun send nothing twice.
          await job.moveToDelayed(Date.now() + (outcome.kind === 'paused' ? PAUSE_POLL_MS : 0), token);
          throw new DelayedError();
      }
    },
    {
      connection,
      prefix: deps.keys.queuePrefix,
      lockDuration: deps.config.dispatch.jobLockMs,
      stalledInterval: deps.config.dispatch.jobLockMs,
      // A batch whose worker died runs again; the ledger makes that safe, so
      // tolerate several deaths before BullMQ gives up on it.
      maxStalledCount: 10,
      concurrency: deps.config.dispatch.deliverConcurrency,
    },
  );
  // The safety net: a batch that fails for good (out of attempts, or stalled
  // too often) still settles, its unsent recipients counted failed, so the
  // dispatch finishes and says so rather than sitting in "sending" forever.
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message) || err.name === 'UnrecoverableError';
    if (!final) return;
    const { dispatchId, batch, ids } = job.data;
    void deps.dispatches
      .failUnsettled(dispatchId, ids)
      .then(() => deps.dispatches.batchDone(dispatchId, batch))
      .catch((e: Error) => deps.logger.error({ dispatchId, batch, err: e.message }, 'could not settle a failed batch'));
  });
  return worker;
}
