import { QUEUE_NAMES, type Queues } from '../queue/queues.ts';

/** The queues as the ops charts name them: by role, without the suffix tests give them. */
export const CHARTED_QUEUES = Object.keys(QUEUE_NAMES) as (keyof typeof QUEUE_NAMES)[];

/** Jobs waiting or running per queue: delayed ones (backoffs, schedules, feed polls) are left out, as work not yet due. */
export async function queueDepths(queues: Queues): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of CHARTED_QUEUES) {
    const c = await queues[name].getJobCounts('waiting', 'prioritized', 'active');
    out[name] = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c.active ?? 0);
  }
  return out;
}
