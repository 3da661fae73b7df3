import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';

/**
 * The `digest` queue: one job per digest run, carrying only its mode. A job
 * scheduler adds a `due` run every 15 minutes (each reader's local digest hour
 * is found by the run); an editor's "send the digest now" adds an `all` run.
 */
export const DIGEST_QUEUE = 'digest';
export type DigestJob = { mode: 'due' | 'all' };

export const DIGEST_SCHEDULER_ID = 'digest-due';
export const DIGEST_EVERY_MS = 15 * 60_000;

export function createDigestQueue(connection: RedisClient, keys: Keyspace, suffix = ''): Queue<DigestJob> {
  return new Queue<DigestJob>(DIGEST_QUEUE + suffix, {
    connection,
    prefix: keys.queuePrefix,
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 },
      removeOnComplete: { age: 7 * 24 * 3600, count: 1_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 1_000 },
    },
  });
}

/** Idempotent (one scheduler by its id), so every worker process may call it at start. */
export async function scheduleDigestRuns(queue: Queue<DigestJob>): Promise<void> {
  await queue.upsertJobScheduler(DIGEST_SCHEDULER_ID, { every: DIGEST_EVERY_MS }, { name: 'due', data: { mode: 'due' } });
}

/** An editor's run: every daily reader with something pending gets their digest now. Returns the run's id. */
export async function requestDigestRun(queue: Queue<DigestJob>, mode: DigestJob['mode'] = 'all'): Promise<string> {
  const id = `run-${Date.now()}-${randomBytes(3).toString('hex')}`;
  await queue.add(mode === 'all' ? 'run' : 'due', { mode }, { jobId: id });
  return id;
}
