import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { until } from '../support/harness.ts';
import { createCadenceHarness, testClock, type CadenceHarness } from './support.ts';

/**
 * A breaking dispatch overtakes a routine one already running: its batches
 * go ahead of every routine batch still waiting (BullMQ priorities), so only
 * the routine batch in progress finishes first. One worker process running one
 * batch at a time, SEND_RATE 300/s: the routine send takes several seconds.
 */

const BATCH = 50;
let h: CadenceHarness;

beforeAll(async () => {
  h = await createCadenceHarness({ clock: testClock(), env: { DISPATCH_BATCH_SIZE: String(BATCH), DELIVER_CONCURRENCY: '1', SMTP_POOL_SIZE: '2', SEND_RATE: '300' }, smtp: { skipParse: true } });
  await addSubscribers(h, 1500, () => ['Russia'], 'routine.example.org');
  await addSubscribers(h, 100, () => ['Ukraine'], 'breaking.example.org');
}, 120_000);
afterAll(async () => h?.close());

const domainOf = (i: number) => h.smtp.received[i]!.to[0]!.split('@')[1];

describe('a breaking dispatch started while a routine one is sending', () => {
  let routine: string;
  let breaking: string;
  /** Messages received when the breaking dispatch's first batch was queued (its planner builds the message first). */
  let queuedAt: number;

  beforeAll(async () => {
    const r = await createBrief(h, { title: 'Routine', topics: ['Russia'] });
    routine = (await dispatch(h, r.id)).json().id;
    // Running, and every routine batch queued behind the one in progress.
    await waitForStatus(h, routine, (d) => d.planned && d.sent >= 150);
    const b = await createBrief(h, { title: 'Breaking', topics: ['Ukraine'] });
    const res = await dispatch(h, b.id, { priority: 'breaking' });
    expect(res.statusCode).toBe(202);
    breaking = res.json().id;
    await until(() => h.services.queues.deliver.getJob(`${breaking}-0`), (j) => j !== undefined, 30_000, 'the first breaking batch queued');
    queuedAt = h.smtp.received.length;
    await waitForStatus(h, breaking, 'done');
  }, 120_000);

  it('is all delivered while the routine one is still sending', async () => {
    const d = await status(h, routine);
    expect(d.status).toBe('sending');
    expect(d.total - d.sent).toBeGreaterThan(500);
  });

  it('lets through only the routine batch that was in progress, then sends nothing routine until it is done', async () => {
    const isBreaking = h.smtp.received.map((m) => m.to[0]!.endsWith('@breaking.example.org'));
    const first = isBreaking.indexOf(true);
    const last = isBreaking.lastIndexOf(true);
    expect(first).toBeGreaterThan(0);
    // From the moment its batches were queued: the rest of the one routine batch in progress at most.
    // (`queuedAt` is read by polling for the job, so it may already count a breaking message or two.)
    expect(first - queuedAt).toBeLessThanOrEqual(BATCH);
    expect(isBreaking.slice(first, last + 1).every(Boolean)).toBe(true);
    expect(last - first + 1).toBe(100);
    // The routine send goes on after it (its next message may not have arrived the moment the breaking one is done).
    await until(async () => h.smtp.received.length, (n) => n > last + 1, 30_000, 'the routine send to go on');
    expect(domainOf(last + 1)).toBe('routine.example.org');
  });

  it('then the routine send finishes, both reconcile, and publish-to-accept is measured per priority', async () => {
    const d = await waitForStatus(h, routine, 'done');
    expect(d).toMatchObject({ priority: 'normal', total: 1500, sent: 1500, reconciled: true });
    expect(await status(h, breaking)).toMatchObject({ priority: 'breaking', total: 100, sent: 100, reconciled: true });
    const text = await until(() => h.services.metrics.registry.metrics(), (t) => /briefwire_publish_to_accept_seconds_count\{priority="normal"\} 1500/.test(t), 10_000, 'the histogram');
    expect(text).toMatch(/briefwire_publish_to_accept_seconds_count\{priority="breaking"\} 100\b/);
    expect(text).toMatch(/briefwire_publish_to_accept_seconds_count\{priority="digest"\} 0\b/);
  });
});
