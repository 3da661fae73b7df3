import type { Config } from '../config.ts';
import type { SendPriority } from './model.ts';
import { JOB_PRIORITY } from '../cadence/urgency.ts';

/**
 * A deliver job's id and options, for every producer of deliver jobs (the
 * planner, the digest run, retry-failed): one batch of one send is one job,
 * whoever adds it and however often.
 */
export const deliverJobId = (dispatchId: string, batch: number) => `${dispatchId}-${batch}`;

/** `delay`: a batch held for its readers' quiet hours (ms from now). */
export function deliverJobOptions(config: Config, dispatchId: string, batch: number, opts: { priority?: SendPriority; delay?: number } = {}) {
  return {
    jobId: deliverJobId(dispatchId, batch),
    attempts: config.dispatch.attempts,
    backoff: { type: 'exponential' as const, delay: config.dispatch.retryBaseMs, jitter: 0.5 },
    priority: JOB_PRIORITY[opts.priority ?? 'normal'],
    ...(opts.delay && opts.delay > 0 ? { delay: Math.ceil(opts.delay) } : {}),
  };
}
