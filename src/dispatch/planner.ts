import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { DeliverJob } from '../queue/queues.ts';
import type { BriefStore, StoredBrief } from '../briefs/store.ts';
import type { DispatchStore } from './store.ts';
import { buildDispatchMessageInThread } from './messageThread.ts';
import { buildBulkMessage } from './bulkMessage.ts';
import { findCompiled } from '../briefs/forSending.ts';
import type { CompiledBriefStore } from '../briefs/compiledStore.ts';
import { streamAudienceWithDelivery } from '../cadence/audience.ts';
import { createRouter } from '../cadence/route.ts';
import { createPlanState } from '../cadence/planState.ts';
import { deliverJobOptions } from './deliverJobs.ts';

export interface PlannerDeps {
  config: Config;
  keys: Keyspace;
  redis: RedisClient;
  logger: Logger;
  briefs: BriefStore;
  /** Where the API left the brief compiled: the planner then only MIME-encodes it. */
  compiledBriefs: CompiledBriefStore;
  dispatches: DispatchStore;
  deliverQueue: Queue<DeliverJob>;
  templatesDir: string;
  /** The clock (tests pass their own): the plan time decides quiet hours and the dispatch's place in the digest log. */
  now?: () => Date;
}

/**
 * Builds the dispatch's MIME message once and stores it for every deliver
 * worker. Here rather than in the API so that an immediate and a scheduled
 * send take one path, and the message's Date is when the send starts. A
 * re-run of the planner finds the stored message and keeps it (NX as well, in
 * case two runs race), so every recipient gets the same Message-ID tag.
 */
async function prepareDispatchMessage(
  deps: { config: Config; compiledBriefs: CompiledBriefStore; dispatches: DispatchStore; templatesDir: string },
  dispatchId: string,
  stored: StoredBrief,
  date: Date,
): Promise<void> {
  if (await deps.dispatches.loadMessage(dispatchId)) return;
  const { config, templatesDir } = deps;
  // The API compiled this version when it was saved or previewed: only the MIME encoding is left.
  const compiled = await findCompiled(config, stored, templatesDir, deps.compiledBriefs);
  const message = compiled
    ? buildBulkMessage(compiled, { from: config.mail.from, listId: config.mail.listId, date })
    : await buildDispatchMessageInThread({ config, stored, templatesDir, date });
  await deps.dispatches.saveMessage(dispatchId, JSON.stringify(message));
}

/**
 * The planning job: builds the message once, then streams the audience into
 * deliver jobs. Each reader is routed on the way (src/cadence/route.ts): a
 * daily reader is left to their digest, a reader in their quiet hours goes in
 * a batch held until those end (BullMQ's delay), everyone else in a batch that
 * goes at once; batches carry the dispatch's priority. Restartable: it resumes
 * from its checkpoint, taken after each flush of every pending batch, and
 * deterministic job ids make a batch added twice count once.
 */
export async function planDispatch(deps: PlannerDeps, dispatchId: string): Promise<void> {
  const { dispatches, config } = deps;
  const now = deps.now ?? (() => new Date());
  const d = await dispatches.get(dispatchId);
  // A digest send is planned by its digest run (src/digests/run.ts), never here.
  if (!d || d.kind === 'digest' || d.status === 'cancelled' || d.status === 'done' || d.status === 'failed') return;
  if (d.status === 'scheduled') await dispatches.transition(dispatchId, 'planning', ['scheduled']);

  const stored = await deps.briefs.get(d.briefId);
  if (!stored) {
    await dispatches.transition(dispatchId, 'failed', ['planning', 'sending', 'paused'], { code: 'PLANNER_FAILED', text: 'the brief no longer exists' });
    return;
  }
  await prepareDispatchMessage(deps, dispatchId, stored, now());
  await deps.briefs.markPublished(stored.id);
  const plan = createPlanState(deps.redis, deps.keys);
  const planAtMs = await plan.start(dispatchId, now().getTime());

  const topics = d.topics.length ? d.topics : stored.brief.topics;
  const route = createRouter({
    topics,
    defaultTimeZone: config.cadence.defaultTimeZone,
    quietHours: config.cadence.quietHours,
    ignoreQuietHours: d.priority === 'breaking',
    planAtMs,
    expiresMs: d.expiresAt ? Date.parse(d.expiresAt) : undefined,
  });
  let { cursor, batches } = await dispatches.cursor(dispatchId);
  /** Pending readers by when their batch may go (0: at once). */
  const pending = new Map<number, string[]>();
  let waiting = 0;
  let daily = 0;
  const flush = async (position: number) => {
    let batch = batches;
    let recipients = 0;
    for (const notBefore of [...pending.keys()].sort((a, b) => a - b)) {
      const ids = pending.get(notBefore)!;
      const delay = notBefore ? notBefore - now().getTime() : 0;
      await deps.deliverQueue.add('deliver', { dispatchId, batch, ids }, deliverJobOptions(config, dispatchId, batch, { priority: d.priority, delay }));
      batch++;
      recipients += ids.length;
    }
    await plan.checkpoint(dispatchId, { firstBatch: batches, batches: batch - batches, cursor: position, recipients, daily });
    batches = batch;
    cursor = position;
    pending.clear();
    waiting = 0;
    daily = 0;
  };
  let last = cursor;
  for await (const reader of streamAudienceWithDelivery(deps.redis, deps.keys, { topics, after: cursor })) {
    last = reader.score;
    const where = route(reader);
    if (where.kind === 'daily') {
      daily++;
      continue;
    }
    let ids = pending.get(where.notBefore);
    if (!ids) pending.set(where.notBefore, (ids = []));
    ids.push(reader.id);
    if (++waiting >= config.dispatch.batchSize) {
      await flush(reader.score);
      const current = await dispatches.get(dispatchId);
      if (current?.status === 'cancelled') return;
    }
  }
  if (waiting || daily) await flush(last);
  await dispatches.setPlanned(dispatchId, true);
  // With no audience, or when every batch already finished, this closes the dispatch.
  await dispatches.transition(dispatchId, 'sending', ['planning']);
  await dispatches.batchDone(dispatchId, null);
  deps.logger.info({ dispatchId, batches, priority: d.priority }, 'dispatch planned');
}
