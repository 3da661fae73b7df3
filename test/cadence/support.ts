import type { Queue } from 'bullmq';
import { createLogger } from '../../src/logger.ts';
import { startWorkers, type RunningWorkers } from '../../workers/index.ts';
import { createDigestQueue, DIGEST_SCHEDULER_ID, requestDigestRun, type DigestJob } from '../../src/digests/queue.ts';
import type { CadenceSetting } from '../../src/cadence/model.ts';
import { createHarness, until, type Harness } from '../support/harness.ts';
import type { SmtpBehaviour } from '../support/smtpServer.ts';

/**
 * The workers' clock, set by the test: planning (quiet hours, the digest log)
 * and digest runs read it. It runs on from where it is set, so events keep
 * their order; nothing waits for the hours it skips.
 */
export function testClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    set(iso: string) {
      offset = Date.parse(iso) - Date.now();
    },
  };
}

export type TestClock = ReturnType<typeof testClock>;

export interface CadenceHarness extends Harness {
  workers: RunningWorkers;
  digestQueue: Queue<DigestJob>;
  /** The scheduler the workers set up at start (the test removes it, and drives every run itself). */
  scheduler: { every?: number | null; name: string } | undefined;
}

/** The usual harness (real Redis, SMTP, the app by inject), with real workers on the test's clock. */
export async function createCadenceHarness(opts: { env?: Record<string, string>; smtp?: SmtpBehaviour; clock: TestClock }): Promise<CadenceHarness> {
  const h = await createHarness({ env: opts.env, smtp: opts.smtp });
  const workers = await startWorkers(h.config, createLogger('silent'), { metrics: h.services.metrics, clock: opts.clock.now });
  const digestQueue = createDigestQueue(h.services.redis, h.services.keys);
  const scheduler = (await digestQueue.getJobSchedulers(0, -1)).find((s) => s.key === DIGEST_SCHEDULER_ID);
  // No run but the test's own: the scheduler's first run may already be queued, so let it finish first.
  await digestQueue.removeJobScheduler(DIGEST_SCHEDULER_ID);
  await until(() => digestQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'), (c) => c.waiting + c.active + c.delayed + c.prioritized === 0, 20_000, 'no digest run pending');
  const close = h.close.bind(h);
  return Object.assign(h, {
    workers,
    digestQueue,
    scheduler: scheduler ? { every: scheduler.every, name: scheduler.name } : undefined,
    async close() {
      await workers.close();
      await digestQueue.close();
      await close();
    },
  });
}

/** A confirmed reader with a cadence and zone, as an `?status=active` import would store them. */
export async function addReader(h: Harness, email: string, o: { topics?: string[]; cadence?: CadenceSetting; timeZone?: string } = {}) {
  const r = await h.services.subscribers.importRow({
    email,
    name: '',
    topics: o.topics ?? [],
    status: 'active',
    event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' },
    ...(o.cadence ? { cadence: o.cadence } : {}),
    ...(o.timeZone ? { timeZone: o.timeZone } : {}),
  });
  return r.id;
}

/** Waits for a digest run's job to finish (a run with nothing to send makes no digest send to wait for). */
export async function runFinished(h: CadenceHarness, runId: string) {
  await until(() => h.digestQueue.getJobState(runId), (s) => s === 'completed' || s === 'failed', 60_000, `digest run ${runId}`);
  const job = await h.digestQueue.getJob(runId);
  if (!job || (await job.getState()) === 'failed') throw new Error(`digest run ${runId} failed: ${job?.failedReason}`);
  return job.returnvalue as { readers: number; sends: number };
}

/** The editor's "send the digest now", through the API, and its run finished. */
export async function digestNow(h: CadenceHarness) {
  const res = await h.app.inject({ method: 'POST', url: '/api/digests/run', headers: h.auth });
  if (res.statusCode !== 202) throw new Error(`POST /api/digests/run answered ${res.statusCode}: ${res.body}`);
  const id = (res.json() as { id: string }).id;
  return { id, ...(await runFinished(h, id)) };
}

/** What the 15-minute scheduler adds: a `due` run, at the clock's time. */
export async function scheduledRun(h: CadenceHarness) {
  const id = await requestDigestRun(h.digestQueue, 'due');
  return { id, ...(await runFinished(h, id)) };
}

export async function digestSends(h: Harness, run?: string) {
  const res = await h.app.inject({ method: 'GET', url: `/api/digests${run ? `?run=${encodeURIComponent(run)}` : ''}`, headers: h.auth });
  return (res.json() as { items: Record<string, any>[] }).items;
}

/** Every digest send of a run done (its readers all settled). */
export async function digestsDone(h: Harness, run: string) {
  return until(() => digestSends(h, run), (items) => items.every((d) => d.status === 'done'), 60_000, `digest sends of ${run}`);
}

/** Digest messages (by subject) received by one address. */
export const digestsTo = (h: Harness, address: string) => h.smtp.to(address).filter((m) => /digest:/i.test(m.parsed.subject ?? ''));
