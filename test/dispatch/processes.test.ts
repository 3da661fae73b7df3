import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, waitForStatus } from './support.ts';

let h: Harness | undefined;
let procs: BriefwireProcess[] = [];
afterEach(async () => {
  await stopAll(procs);
  procs = [];
  await h?.close();
  h = undefined;
});

const workerEnv = (h: Harness, extra: Record<string, string> = {}) => ({ ...h.env, LOG_LEVEL: 'warn', JOB_LOCK_MS: '2000', ...extra });

/** The ledger's view: who is 'uncertain'. */
async function uncertainAddresses(h: Harness, dispatchId: string) {
  const ids: string[] = [];
  for await (const chunk of h.services.dispatches.scanLedger(dispatchId, 'uncertain')) ids.push(...chunk);
  const subs = await h.services.subscribers.getMany(ids);
  return new Set(subs.map((s) => s!.email));
}

// Real child processes on a 2-core machine: generous limits, never timings.
describe('worker processes', { timeout: 240_000 }, () => {
  it('three worker processes on one dispatch: no duplicates, nobody missing', async () => {
    h = await createHarness({ env: { DISPATCH_BATCH_SIZE: '50' } });
    await addSubscribers(h, 1500);
    procs = [0, 1, 2].map(() => spawnBriefwire('worker', workerEnv(h!)));
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id;
    const d = await waitForStatus(h, id, 'done', 200_000);
    expect(d).toMatchObject({ total: 1500, sent: 1500, failed: 0, uncertain: 0, missing: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(1500);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it('kill -9 a worker mid-dispatch, start another: nobody missing; duplicates only among uncertain recipients', async () => {
    h = await createHarness({ env: { DISPATCH_BATCH_SIZE: '100', SEND_RATE: '400' } });
    await addSubscribers(h, 1200);
    procs.push(spawnBriefwire('worker', workerEnv(h)));
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id;
    await waitForStatus(h, id, (d) => d.sent >= 300);
    procs[0]!.child.kill('SIGKILL');
    await procs[0]!.exited;
    procs.push(spawnBriefwire('worker', workerEnv(h)));
    const d = await waitForStatus(h, id, 'done', 200_000);
    expect(d.total).toBe(1200);
    expect(d.sent + d.uncertain).toBe(1200);
    expect(d.missing).toBe(0);
    const counts = countByRecipient(h);
    expect(counts.size).toBe(1200);
    const uncertain = await uncertainAddresses(h, id);
    expect(uncertain.size).toBe(d.uncertain);
    for (const [addr, n] of counts) if (n > 1) expect(uncertain.has(addr), addr).toBe(true);
  });

  it('SIGTERM mid-dispatch: a clean exit in time, and no duplicates after a restart', async () => {
    h = await createHarness({ env: { DISPATCH_BATCH_SIZE: '100', SEND_RATE: '400' } });
    await addSubscribers(h, 1000);
    const first = spawnBriefwire('worker', workerEnv(h));
    procs.push(first);
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id;
    await waitForStatus(h, id, (d) => d.sent >= 200);
    const t0 = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(Number(h.env.SHUTDOWN_GRACE_MS));
    procs.push(spawnBriefwire('worker', workerEnv(h)));
    const d = await waitForStatus(h, id, 'done', 200_000);
    expect(d).toMatchObject({ total: 1000, sent: 1000, uncertain: 0, missing: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });
});
