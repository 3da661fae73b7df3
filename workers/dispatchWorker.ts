import { Worker } from 'bullmq';
import type { DispatchJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import type { PlannerDeps } from '../src/dispatch/planner.ts';

/** Planning jobs: one per dispatch, resumable from its checkpoint. */
export function startDispatchWorker(deps: PlannerDeps, connection: RedisClient, queueName: string): Worker<DispatchJob> {
  // The planner loads with the first dispatch, not when the worker starts.
  const worker = new Worker<DispatchJob>(queueName, async (job) => (await import('../src/dispatch/planner.ts')).planDispatch(deps, job.data.dispatchId), {
    connection,
    prefix: deps.keys.queuePrefix,
    lockDuration: deps.config.dispatch.jobLockMs,
    stalledInterval: deps.config.dispatch.jobLockMs,
    // Re-running the planner is safe (checkpoint + deterministic job ids).
    maxStalledCount: 10,
    concurrency: 2,
  });
  // A planner that fails for good marks its dispatch failed, with the reason, instead of leaving it "planning".
  worker.on('failed', (job, err) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    void deps.dispatches
      .transition(job.data.dispatchId, 'failed', ['scheduled', 'planning', 'sending', 'paused'], { code: 'PLANNER_FAILED', text: `planning failed: ${err.message.slice(0, 200)}` })
      .catch((e: Error) => deps.logger.error({ dispatchId: job.data.dispatchId, err: e.message }, 'could not mark a dispatch failed'));
  });
  return worker;
}
