import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { Queues } from '../queue/queues.ts';
import type { BriefStore } from '../briefs/store.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import type { Dispatch, DispatchPriority, DispatchStatus } from './model.ts';
import type { DispatchStore } from './store.ts';
import { countAudience } from './audience.ts';
import { deliverJobOptions } from './deliverJobs.ts';
import { JOB_PRIORITY } from '../cadence/urgency.ts';

export class DispatchError extends Error {
  constructor(
    readonly code: 'BRIEF_NOT_FOUND' | 'ALREADY_DISPATCHED' | 'NOT_FOUND' | 'INVALID_STATE',
    message: string,
    readonly dispatchId?: string,
  ) {
    super(message);
  }
}

/** A dispatch request that cannot be sent as asked (the API answers 400 naming `field`). */
export class DispatchInputError extends Error {
  readonly code = 'INVALID_INPUT';
  constructor(
    readonly field: 'expiresAt',
    message: string,
  ) {
    super(message);
  }
}

export interface DispatchControl {
  /** `priority` breaking: ahead of every waiting normal batch, through quiet hours; `expiresAt`: who is not reached by then never gets it. */
  create(input: { briefId: string; topics?: string[]; at?: Date; force?: boolean; priority?: DispatchPriority; expiresAt?: Date }): Promise<{ id: string }>;
  pause(id: string): Promise<Dispatch>;
  resume(id: string): Promise<Dispatch>;
  cancel(id: string): Promise<Dispatch>;
  /** Puts the failed recipients of a finished dispatch back in the queue; returns how many. */
  retryFailed(id: string): Promise<{ requeued: number }>;
  /** Puts back to active the subscribers this dispatch marked bounced (and who are still bounced). */
  restoreBounced(id: string): Promise<{ restored: number }>;
  audienceSize(topics: string[]): Promise<number>;
}

export const planJobId = (dispatchId: string) => `plan-${dispatchId}`;

/**
 * Editor actions on dispatches (used by the API). Nothing here sends mail or
 * builds it: creating a dispatch records it and queues its dispatch job.
 */
export function createDispatchControl(deps: {
  config: Config;
  keys: Keyspace;
  redis: RedisClient;
  queues: Queues;
  briefs: BriefStore;
  dispatches: DispatchStore;
  subscribers: SubscriberStore;
}): DispatchControl {
  const { dispatches, queues, config } = deps;
  const must = async (id: string) => {
    const d = await dispatches.get(id);
    if (!d) throw new DispatchError('NOT_FOUND', 'No such dispatch.');
    return d;
  };
  const move = async (id: string, to: DispatchStatus, from: DispatchStatus[]) => {
    const before = await must(id);
    const after = await dispatches.transition(id, to, from);
    if (after !== to) throw new DispatchError('INVALID_STATE', `A ${before.status} dispatch cannot become ${to}.`, id);
    return must(id);
  };

  return {
    async create({ briefId, topics = [], at, force = false, priority = 'normal', expiresAt }) {
      if (!(await deps.briefs.get(briefId))) throw new DispatchError('BRIEF_NOT_FOUND', 'No such brief.');
      const scheduled = at && at.getTime() > Date.now() + 1000 ? at : undefined;
      if (expiresAt && expiresAt.getTime() <= (scheduled ?? new Date()).getTime()) {
        throw new DispatchInputError('expiresAt', `must be later than ${scheduled ? 'the scheduled time' : 'now'}: nobody could be reached before it`);
      }
      const { id, created } = await dispatches.create({ briefId, topics, scheduledAt: scheduled?.toISOString(), force, priority, expiresAt });
      if (!created) throw new DispatchError('ALREADY_DISPATCHED', 'This brief has already been dispatched; send "force": true to send it again.', id);
      // A breaking dispatch's planning job goes ahead of routine ones waiting for a planner too.
      await queues.dispatch.add('plan', { dispatchId: id }, { jobId: planJobId(id), delay: scheduled ? scheduled.getTime() - Date.now() : 0, priority: JOB_PRIORITY[priority] });
      return { id };
    },
    pause: (id) => move(id, 'paused', ['planning', 'sending']),
    async resume(id) {
      const d = await must(id);
      const resumed = await move(id, d.planned ? 'sending' : 'planning', ['paused']);
      // Every batch may have completed while it was paused (a pause between the last send and its
      // batch's completion): nothing else would finish it then, so resume does.
      if (!resumed.planned) return resumed;
      await dispatches.batchDone(id, null);
      return must(id);
    },
    async cancel(id) {
      const d = await move(id, 'cancelled', ['scheduled', 'planning', 'sending', 'paused']);
      // A scheduled dispatch's planning job can simply go; running jobs see the status and stop.
      await queues.dispatch.remove(planJobId(id)).catch(() => 0);
      return d;
    },
    async retryFailed(id) {
      const d = await must(id);
      const notDone = () => new DispatchError('INVALID_STATE', 'Only a finished dispatch can retry its failed recipients.', id);
      if (d.status !== 'done') throw notDone();
      // The move out of 'done' is atomic: of two calls at once, one wins and the other gets 409.
      if (!(await dispatches.startRetry(id))) throw notDone();
      let batch = d.batches;
      let requeued = 0;
      let pending: string[] = [];
      const flush = async () => {
        const ids = pending.splice(0, config.dispatch.batchSize);
        const n = await dispatches.resetFailed(id, ids);
        if (!n) return;
        requeued += n;
        await queues.deliver.add('deliver', { dispatchId: id, batch, ids }, deliverJobOptions(config, id, batch, { priority: d.priority }));
        await dispatches.checkpoint(id, batch, 0, 0);
        batch++;
      };
      for await (const ids of dispatches.scanLedger(id, 'failed')) {
        pending.push(...ids);
        while (pending.length >= config.dispatch.batchSize) await flush();
      }
      while (pending.length) await flush();
      await dispatches.setPlanned(id, true);
      await dispatches.batchDone(id, null);
      return { requeued };
    },
    async restoreBounced(id) {
      await must(id);
      const event = { type: 'restore' as const, at: new Date().toISOString(), dispatchId: id, detail: `bounces recorded by dispatch ${id} undone by an editor` };
      let restored = 0;
      for await (const ids of dispatches.scanBounced(id)) restored += await deps.subscribers.restoreBounced(ids, event);
      return { restored };
    },
    audienceSize: (topics) => countAudience(deps.redis, deps.keys, topics),
  };
}
