import { Worker } from 'bullmq';
import type { DispatchJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import { planDispatch, type PlannerDeps } from '../src/dispatch/planner.ts';

/** Planning jobs: one per dispatch, resumable from its checkpoint. */
export function startDispatchWorker(deps: PlannerDeps, connection: RedisClient, queueName: string): Worker<DispatchJob> {
  return new Worker<DispatchJob>(queueName, async (job) => planDispatch(deps, job.data.dispatchId), {
    connection,
    prefix: deps.keys.queuePrefix,
      lockDuration: deps.config.dispatch.jobLockMs,
      stalledInterval: deps.config.dispatch.jobLockMs,
    concurrency: 2,
  });
}
