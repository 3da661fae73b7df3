import { Worker } from 'bullmq';
import type { RedisClient } from '../src/redis/connection.ts';
import type { DigestJob } from '../src/digests/queue.ts';
import type { DigestRunDeps } from '../src/digests/run.ts';

/**
 * Digest runs, one at a time per process: a run pages every due daily reader
 * itself. Runs in several processes at once are safe (a reader is taken by one
 * run only); the job id is the run's id, so a retry resumes its run.
 */
export function startDigestWorker(deps: DigestRunDeps, connection: RedisClient, queueName: string): Worker<DigestJob> {
  // The digest code loads with the first run (every 15 minutes), not when the worker starts.
  return new Worker<DigestJob>(queueName, async (job) => (await import('../src/digests/run.ts')).runDigests(deps, { runId: job.id!, mode: job.data.mode }), {
    connection,
    prefix: deps.keys.queuePrefix,
    lockDuration: deps.config.dispatch.jobLockMs,
    stalledInterval: deps.config.dispatch.jobLockMs,
    maxStalledCount: 10,
    concurrency: 1,
  });
}
