import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { DeliverJob } from '../queue/queues.ts';
import type { BriefStore, StoredBrief } from '../briefs/store.ts';
import type { DispatchStore } from '../dispatch/store.ts';
import { deliverJobOptions } from '../dispatch/deliverJobs.ts';
import { buildDigestMessagesInThread } from './messageThread.ts';
import { createDigestStore, type DigestStore, type Take } from './store.ts';
import { digestSet, loadCandidates, planReader, type Candidate, type PlanContext, type ReaderPlan } from './pending.ts';

export interface DigestRunDeps {
  config: Config;
  keys: Keyspace;
  redis: RedisClient;
  logger: Logger;
  briefs: BriefStore;
  dispatches: DispatchStore;
  deliverQueue: Queue<DeliverJob>;
  /** The clock (tests pass their own). */
  now?: () => Date;
}

export type DigestMode = PlanContext['mode'];

const PAGE = 500;
const DAY_MS = 24 * 3_600_000;
/** How far back a digest looks: a window is at most a day, unless the digests stopped for a while. */
const LOOKBACK_MS = 8 * DAY_MS;
/** The digest log keeps a month. */
const LOG_KEEP_MS = 31 * DAY_MS;

/**
 * One digest run (the 15-minute scheduler's `due` round, or an editor's
 * `all`). Page by page: read the daily readers, work out each one's set of
 * briefs, create (and render, once) a digest send per new set, then take the
 * page in one atomic step, which moves each reader's window on and adds them
 * to their set's members; full batches of members go to the deliver queue at
 * once, the rest when the run ends. Restartable: the run keeps its time and
 * its sends, a reader is taken once, and batches are cut from the members
 * list by position, so a retry finishes what a crash left.
 */
export async function runDigests(deps: DigestRunDeps, run: { runId: string; mode: DigestMode }): Promise<{ readers: number; sends: number }> {
  const store = createDigestStore(deps.redis, deps.keys);
  const now = deps.now ?? (() => new Date());
  const atMs = await store.runTime(run.runId, now().getTime());
  await store.trimLog(atMs - LOG_KEEP_MS);
  const candidates = await loadCandidates(deps, await store.log(atMs - LOOKBACK_MS, atMs), atMs);
  const ctx: PlanContext = { atMs, mode: run.mode, digestHour: deps.config.cadence.digestHour, defaultTimeZone: deps.config.cadence.defaultTimeZone, candidates };
  const sends = await store.runSends(run.runId);
  const ready = new Set<string>();
  let readers = 0;

  const page = async (ids: string[]) => {
    const plans = (await store.readers(ids)).map((r) => planReader(r, ctx));
    const sets = await setsOf(store, plans);
    await ensureSends(deps, store, { runId: run.runId, sends, ready, sets: [...sets.values()], date: new Date(atMs) });
    const takes: Take[] = [];
    plans.forEach((p, i) => {
      if (!p.take) return;
      const briefs = sets.get(i);
      if (briefs) takes.push({ ...p.take, sendId: sends.get(setKey(briefs))! });
      // Owed only briefs they already got as alerts: nothing to send; a due round still moves them on.
      else if (p.take.action !== 'push') takes.push(p.take);
      else if (run.mode === 'due') takes.push({ ...p.take, action: 'advance' });
    });
    const taken = await store.take(takes);
    const touched = new Set<string>();
    takes.forEach((t, i) => {
      if (!taken[i] || !t.sendId) return;
      touched.add(t.sendId);
      readers++;
    });
    for (const sendId of touched) await emitBatches(deps, store, sendId, false);
  };

  if (run.mode === 'due') {
    // Every taken reader's next look moves past the run's time, so each round brings new ones;
    // one left alone (changed meanwhile) comes back and is read afresh. The bound is a safety net.
    const rounds = Math.ceil((await deps.redis.zcard(deps.keys.dailySubscribers)) / PAGE) * 3 + 10;
    for (let i = 0; i < rounds; i++) {
      const ids = await store.due(atMs, PAGE);
      if (!ids.length) break;
      await page(ids);
    }
  } else {
    for await (const ids of store.all(PAGE)) await page(ids);
  }

  const all = await store.runSends(run.runId);
  for (const sendId of all.values()) {
    await emitBatches(deps, store, sendId, true);
    await deps.dispatches.setPlanned(sendId, true);
    await deps.dispatches.transition(sendId, 'sending', ['planning']);
    await deps.dispatches.batchDone(sendId, null);
    await store.dropMembers(sendId);
  }
  if (readers || all.size) deps.logger.info({ runId: run.runId, mode: run.mode, readers, sends: all.size }, 'digests queued');
  return { readers, sends: all.size };
}

const setKey = (briefs: readonly StoredBrief[]) => briefs.map((b) => b.id).join('|');

/** Per reader owed a digest (by index in `plans`), their set of briefs, the ledgers checked in one pipeline. */
async function setsOf(store: DigestStore, plans: readonly ReaderPlan[]): Promise<Map<number, StoredBrief[]>> {
  const pairs: { dispatchId: string; subscriberId: string }[] = [];
  plans.forEach((p) => p.owed.forEach((c) => pairs.push({ dispatchId: c.dispatchId, subscriberId: p.take!.id })));
  const inLedger = await store.inLedgers(pairs);
  const out = new Map<number, StoredBrief[]>();
  let k = 0;
  plans.forEach((p, i) => {
    const reached = new Set<Candidate>();
    for (const c of p.owed) if (inLedger[k++]) reached.add(c);
    const briefs = p.owed.length ? digestSet(p.owed, (c) => reached.has(c)) : [];
    if (briefs.length) out.set(i, briefs);
  });
  return out;
}

/**
 * The digest send of each set in this run: created once, its message rendered
 * once, before any reader joins it. The page's new sets render together, in
 * one thread.
 */
async function ensureSends(
  deps: DigestRunDeps,
  store: DigestStore,
  o: { runId: string; sends: Map<string, string>; ready: Set<string>; sets: StoredBrief[][]; date: Date },
) {
  const unbuilt: { sendId: string; briefs: StoredBrief[] }[] = [];
  for (const briefs of o.sets) {
    const key = setKey(briefs);
    let sendId = o.sends.get(key);
    if (sendId && o.ready.has(sendId)) continue;
    if (!sendId) {
      sendId = await store.createSend(o.runId, key, new Date());
      o.sends.set(key, sendId);
    }
    o.ready.add(sendId);
    if (!(await deps.dispatches.loadMessage(sendId))) unbuilt.push({ sendId, briefs });
  }
  if (!unbuilt.length) return;
  const messages = await buildDigestMessagesInThread(unbuilt.map((u) => ({ config: deps.config, briefs: u.briefs, date: o.date })));
  for (const [i, u] of unbuilt.entries()) await deps.dispatches.saveMessage(u.sendId, JSON.stringify(messages[i]));
}

/** Cuts the send's members into deliver jobs by position: full batches as they fill, the rest at the end. */
async function emitBatches(deps: DigestRunDeps, store: DigestStore, sendId: string, final: boolean) {
  const size = deps.config.dispatch.batchSize;
  let { cursor, batches } = await deps.dispatches.cursor(sendId);
  const count = await store.memberCount(sendId);
  while (count - cursor >= size || (final && count > cursor)) {
    const ids = await store.members(sendId, cursor, size);
    await deps.deliverQueue.add('deliver', { dispatchId: sendId, batch: batches, ids }, deliverJobOptions(deps.config, sendId, batches, { priority: 'digest' }));
    await deps.dispatches.checkpoint(sendId, batches, cursor + ids.length, ids.length);
    cursor += ids.length;
    batches++;
  }
}
