import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';

/**
 * kill -9 the only worker five times in a row at random points of a
 * 5,000-recipient dispatch, restarting it each time. The ledger promise:
 * nobody missing; a message is received twice only by a recipient the
 * ledger calls 'uncertain'. The figures go to docs/RELIABILITY.md.
 */

const N = 5_000;
const KILLS = 5;
let h: Harness | undefined;
const procs: BriefwireProcess[] = [];
afterAll(async () => {
  await stopAll(procs);
  await h?.close();
});

describe('kill -9 the worker five times during a 5,000-recipient dispatch', () => {
  it('nobody missing; duplicates only among uncertain recipients', async () => {
    // 500 messages a second across the dispatch: long enough to kill it five times mid-send.
    h = await createHarness({ smtp: { skipParse: true }, env: { DISPATCH_BATCH_SIZE: '100', SEND_RATE: '500' } });
    const env = { ...h.env, LOG_LEVEL: 'warn', JOB_LOCK_MS: '1500' };
    await addSubscribers(h, N, () => [], 'chaos.example.org');
    const start = () => {
      const p = spawnBriefwire('worker', env);
      procs.push(p);
      return p;
    };
    let worker = start();
    const brief = await createBrief(h, { title: 'Five kills' });
    const id = (await dispatch(h, brief.id)).json().id as string;

    // Random points, spread over the send (progress = recipients settled).
    const points = Array.from({ length: KILLS }, (_, i) => Math.round(((i + 0.2 + Math.random() * 0.6) / (KILLS + 0.5)) * N)).sort((a, b) => a - b);
    const killedAt: number[] = [];
    for (const point of points) {
      const d = await waitForStatus(h, id, (x) => x.sent + x.uncertain + x.failed >= point || x.status === 'done', 120_000);
      if (d.status === 'done') break;
      worker.child.kill('SIGKILL');
      await worker.exited;
      killedAt.push(d.sent + d.uncertain);
      worker = start();
    }
    const done = await waitForStatus(h, id, 'done', 120_000);
    const final = await status(h, id);

    const counts = countByRecipient(h);
    const uncertainIds: string[] = [];
    for await (const chunk of h.services.dispatches.scanLedger(id, 'uncertain')) uncertainIds.push(...chunk);
    const uncertain = new Set((await h.services.subscribers.getMany(uncertainIds)).map((s) => s!.email));
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([a]) => a);
    const extraMessages = [...counts.values()].reduce((a, n) => a + n - 1, 0);
    const seconds = (Date.parse(final.finishedAt) - Date.parse(final.createdAt)) / 1000;

    console.log(
      `[chaos] kill -9 x${killedAt.length} at ${killedAt.join('/')} of ${N}: sent ${done.sent}, uncertain ${done.uncertain}, ` +
        `failed ${done.failed}, missing ${done.missing}, received ${counts.size} distinct, duplicates ${duplicated.length} ` +
        `(${extraMessages} extra messages), all duplicates uncertain: ${duplicated.every((a) => uncertain.has(a))}, ${seconds.toFixed(1)} s`,
    );

    expect(killedAt).toHaveLength(KILLS);
    expect(done).toMatchObject({ total: N, failed: 0, missing: 0 });
    expect(done.sent + done.uncertain).toBe(N);
    // Nobody missing: every address received the brief.
    for (let i = 0; i < N; i++) expect(counts.get(`user${i}@chaos.example.org`) ?? 0, `user${i}`).toBeGreaterThanOrEqual(1);
    // Duplicates only among those the ledger marks uncertain.
    for (const a of duplicated) expect(uncertain.has(a), a).toBe(true);
    expect(uncertain.size).toBe(done.uncertain);
  }, 240_000);
});
