import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, waitForStatus } from './support.ts';

/**
 * Issue 12: the bounce-spike breaker, its undo (restore-bounced), and the end
 * of endless throttling. Real workers, real Redis, a real SMTP server.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const post = (h: Harness, url: string) => h.app.inject({ method: 'POST', url, headers: h.auth });

describe('the bounce-spike breaker', () => {
  it('a relay that says "user unknown" to everyone: paused after 50 bounces in a row; restore-bounced brings them back; resume and retry-failed deliver to all', async () => {
    let unknownToEveryone = true;
    h = await createHarness({
      workers: true,
      smtp: { onRcpt: () => (unknownToEveryone ? { code: 550, message: '5.1.1 User unknown' } : undefined) },
      env: { DISPATCH_BATCH_SIZE: '20', SMTP_POOL_SIZE: '2' },
    });
    const ids = await addSubscribers(h, 63, () => [], 'spike.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;

    await waitForStatus(h, id, 'paused', 30_000);
    // Sends already in flight on the other send loops land after the pause: read once they have
    // (the same count twice, a second apart).
    const bouncedNow = async () => (await Promise.all(ids.map((s) => h!.services.subscribers.get(s)))).filter((s) => s?.status === 'bounced');
    let last = -1;
    const paused = await until(
      async () => {
        await new Promise((r) => setTimeout(r, 1_000));
        const d = (await h!.app.inject({ url: `/api/dispatches/${id}`, headers: h!.auth })).json();
        const steady = d.failed === last;
        last = d.failed;
        return { ...d, steady };
      },
      (d) => d.steady,
      20_000,
      'in-flight bounces to land',
    );
    expect(paused.status).toBe('paused');
    expect(paused.reasonCode).toBe('BOUNCE_SPIKE');
    expect(paused.reason).toMatch(/bounce spike/);
    // The breaker trips on the 50th bounce in a row; sends already in flight on the other send loops may add a few.
    expect(paused.failed).toBeGreaterThanOrEqual(50);
    expect(paused.failed).toBeLessThan(63);
    const bouncedBefore = await bouncedNow();
    expect(bouncedBefore).toHaveLength(paused.failed);

    // Undo: everyone this dispatch marked bounced is active again, with the reason in their consent log.
    const restore = await post(h, `/api/dispatches/${id}/restore-bounced`);
    expect(restore.statusCode).toBe(200);
    expect(restore.json()).toEqual({ restored: paused.failed });
    const after = await Promise.all(ids.map((s) => h!.services.subscribers.get(s)));
    expect(after.every((s) => s?.status === 'active')).toBe(true);
    const log = await h.services.subscribers.consentLog(bouncedBefore[0]!.id);
    expect(log.at(-1)).toMatchObject({ type: 'restore', dispatchId: id });
    // A second undo has nothing left to do.
    expect((await post(h, `/api/dispatches/${id}/restore-bounced`)).json()).toEqual({ restored: 0 });

    // The relay is fixed: resume sends the rest, retry-failed the restored ones. Everyone once.
    unknownToEveryone = false;
    expect((await post(h, `/api/dispatches/${id}/resume`)).statusCode).toBe(200);
    await waitForStatus(h, id, 'done', 30_000);
    expect((await post(h, `/api/dispatches/${id}/retry-failed`)).json()).toEqual({ requeued: paused.failed });
    const done = await waitForStatus(h, id, (d) => d.status === 'done' && d.sent === 63, 30_000);
    expect(done).toMatchObject({ total: 63, sent: 63, failed: 0, missing: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(63);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  }, 90_000);

  it('trips on the rate too: more than BOUNCE_PAUSE_RATE of the last 200 outcomes bounced, never 50 in a row', async () => {
    // Every third address is dead: a third of the window, well over 10%, and never two bounces in a row.
    h = await createHarness({
      workers: true,
      smtp: { onRcpt: (a) => (Number(/user(\d+)@/.exec(a)?.[1]) % 3 === 2 ? { code: 550, message: '5.1.1 No such mailbox' } : undefined) },
      env: { DISPATCH_BATCH_SIZE: '50', SMTP_POOL_SIZE: '1', DELIVER_CONCURRENCY: '1' },
    });
    await addSubscribers(h, 300, () => [], 'rate.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const paused = await waitForStatus(h, id, 'paused', 60_000);
    expect(paused.reasonCode).toBe('BOUNCE_SPIKE');
    expect(paused.reason).toMatch(/of the last 200/);
    // One lane, in order: the breaker looks at each bounce, so it trips at the first one from the 200th outcome on.
    expect(paused.sent + paused.failed).toBeGreaterThanOrEqual(200);
    expect(paused.sent + paused.failed).toBeLessThanOrEqual(203);
  }, 90_000);

  it('a list with a few dead addresses is not a spike: the dispatch finishes', async () => {
    h = await createHarness({
      workers: true,
      smtp: { onRcpt: (a) => (Number(/user(\d+)@/.exec(a)?.[1]) % 25 === 0 ? { code: 550, message: '5.1.1 No such mailbox' } : undefined) },
      env: { DISPATCH_BATCH_SIZE: '50', SMTP_POOL_SIZE: '2' },
    });
    await addSubscribers(h, 250, () => [], 'few.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const done = await waitForStatus(h, id, 'done', 60_000);
    expect(done).toMatchObject({ total: 250, sent: 240, failed: 10, missing: 0 });
    expect(done.reason).toBeUndefined();
  }, 90_000);
});

describe('throttling has an end', () => {
  it('a relay that answers "rate limit" for one reader forever: after THROTTLE_MAX_MS the batch uses attempts, and the dispatch finishes', async () => {
    h = await createHarness({
      workers: true,
      smtp: { onRcpt: (a) => (a === 'user3@throttle.example.org' ? { code: 421, message: '4.7.0 Rate limit exceeded, slow down' } : undefined) },
      env: { DISPATCH_BATCH_SIZE: '10', SMTP_POOL_SIZE: '1', THROTTLE_MS: '100', THROTTLE_MAX_MS: '1000', DELIVER_ATTEMPTS: '2', RETRY_BASE_MS: '100' },
    });
    const ids = await addSubscribers(h, 10, () => [], 'throttle.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const done = await waitForStatus(h, id, 'done', 60_000);
    expect(done).toMatchObject({ total: 10, sent: 9, failed: 1, missing: 0 });
    // Throttled is not bounced: the reader keeps their subscription.
    expect((await h.services.subscribers.get(ids[3]!))?.status).toBe('active');
    expect(h.smtp.rcptAttempts.get('user3@throttle.example.org')).toBeGreaterThan(2);
  }, 90_000);
});
