import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { startRawSmtp, type RawSmtpServer } from '../support/rawSmtp.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';

/**
 * SIGTERM while every send is stuck on an SMTP server that took the message
 * and never answers: the worker still exits within its shutdown deadline, and
 * the stuck messages end up 'uncertain' (never sent twice), not lost.
 */

let h: Harness | undefined;
let raw: RawSmtpServer | undefined;
const procs: BriefwireProcess[] = [];
afterAll(async () => {
  await stopAll(procs);
  await h?.close();
  await raw?.close();
});

describe('SIGTERM while the SMTP server hangs', () => {
  it('the worker exits within its deadline; the hung messages are uncertain and not re-sent', async () => {
    raw = await startRawSmtp('hang-after-data');
    // The reply to the final dot may take minutes (RFC 5321), so the socket timeout is 10 minutes and the
    // grace period does not shorten it: the shutdown itself cuts the sends still waiting, and they are uncertain.
    h = await createHarness({ env: { SMTP_URL: raw.url, SMTP_SOCKET_TIMEOUT_MS: '600000', SHUTDOWN_GRACE_MS: '3000', DISPATCH_BATCH_SIZE: '20', SMTP_POOL_SIZE: '2' } });
    await addSubscribers(h, 20, () => [], 'hang.example.org');
    const env = { ...h.env, LOG_LEVEL: 'warn', JOB_LOCK_MS: '1000' };
    const worker = spawnBriefwire('worker', env);
    procs.push(worker);
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const end = Date.now() + 30_000;
    while (raw.unanswered < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(raw.unanswered).toBe(2);

    const t0 = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    const took = Date.now() - t0;
    console.log(`[chaos] SIGTERM with a hung SMTP server: exit code ${exit.code} after ${took} ms (grace 3000 ms)`);
    // onShutdown's hard deadline is the grace period plus 5 s; a clean exit comes well inside it.
    expect(exit.code).toBe(0);
    expect(took).toBeLessThan(3_000 + 5_000);

    // The server recovers; a new worker finishes the dispatch without re-sending the two hung messages.
    raw.mode = 'accept';
    procs.push(spawnBriefwire('worker', env));
    const d = await waitForStatus(h, id, 'done', 60_000);
    expect(d).toMatchObject({ total: 20, failed: 0, missing: 0 });
    expect(d.uncertain).toBe(2);
    expect(d.sent).toBe(18);
    expect(raw.accepted.flat()).toHaveLength(18);
    expect((await status(h, id)).reconciled).toBe(true);
  }, 120_000);
});
