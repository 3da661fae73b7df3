import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { DeliverJob } from '../queue/queues.ts';
import type { BriefStore, StoredBrief } from '../briefs/store.ts';
import type { DispatchStore } from './store.ts';
import { streamAudience } from './audience.ts';
import { buildDispatchMessageInThread } from './messageThread.ts';

export interface PlannerDeps {
  config: Config;
  keys: Keyspace;
  redis: RedisClient;
  logger: Logger;
  briefs: BriefStore;
  dispatches: DispatchStore;
  deliverQueue: Queue<DeliverJob>;
  templatesDir: string;
}

export const deliverJobId = (dispatchId: string, batch: number) => `${dispatchId}-${batch}`;

export function deliverJobOptions(config: Config, dispatchId: string, batch: number) {
  return {
    jobId: deliverJobId(dispatchId, batch),
    attempts: config.dispatch.attempts,
    backoff: { type: 'exponential' as const, delay: config.dispatch.retryBaseMs, jitter: 0.5 },
  };
}

/**
 * Builds the dispatch's MIME message once and stores it for every deliver
 * worker. Here rather than in the API so that an immediate and a scheduled
 * send take one path, and the message's Date is when the send starts. A
 * re-run of the planner finds the stored message and keeps it (NX as well, in
 * case two runs race), so every recipient gets the same Message-ID tag.
 */
async function prepareDispatchMessage(
  deps: { config: Config; dispatches: DispatchStore; templatesDir: string },
  dispatchId: string,
  stored: StoredBrief,
): Promise<void> {
  if (await deps.dispatches.loadMessage(dispatchId)) return;
  const message = await buildDispatchMessageInThread({ config: deps.config, stored, templatesDir: deps.templatesDir, date: new Date() });
  await deps.dispatches.saveMessage(dispatchId, JSON.stringify(message));
}

/**
 * The planning job: builds the message once, then streams the audience into
 * deliver jobs. Restartable: it resumes from its checkpoint, and deterministic
 * job ids make a batch added twice count once.
 */
export async function planDispatch(deps: PlannerDeps, dispatchId: string): Promise<void> {
  const { dispatches, config } = deps;
  const d = await dispatches.get(dispatchId);
  if (!d || d.status === 'cancelled' || d.status === 'done' || d.status === 'failed') return;
  if (d.status === 'scheduled') await dispatches.transition(dispatchId, 'planning', ['scheduled']);

  const stored = await deps.briefs.get(d.briefId);
  if (!stored) {
    await dispatches.transition(dispatchId, 'failed', ['planning', 'sending', 'paused'], { code: 'PLANNER_FAILED', text: 'the brief no longer exists' });
    return;
  }
  await prepareDispatchMessage(deps, dispatchId, stored);
  await deps.briefs.markPublished(stored.id);

  const topics = d.topics.length ? d.topics : stored.brief.topics;
  let { cursor, batches } = await dispatches.cursor(dispatchId);
  let batch: string[] = [];
  const emit = async (last: number) => {
    await deps.deliverQueue.add('deliver', { dispatchId, batch: batches, ids: batch }, deliverJobOptions(config, dispatchId, batches));
    await dispatches.checkpoint(dispatchId, batches, last, batch.length);
    batches++;
    batch = [];
  };
  for await (const { id, score } of streamAudience(deps.redis, deps.keys, { topics, after: cursor })) {
    batch.push(id);
    if (batch.length >= config.dispatch.batchSize) {
      await emit(score);
      cursor = score;
      const now = await dispatches.get(dispatchId);
      if (now?.status === 'cancelled') return;
    }
  }
  if (batch.length) await emit(Number(batch[batch.length - 1]));
  await dispatches.setPlanned(dispatchId, true);
  // With no audience, or when every batch already finished, this closes the dispatch.
  await dispatches.transition(dispatchId, 'sending', ['planning']);
  await dispatches.batchDone(dispatchId, null);
  deps.logger.info({ dispatchId, batches }, 'dispatch planned');
}
