import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { sendRaw } from './inbound/support.ts';
import { arfComplaint, createFeedbackHarness, type FeedbackHarness } from './support.ts';

/**
 * The complaint breaker: a dispatch still sending whose complaints pass
 * COMPLAINT_PAUSE_RATE of its sent copies, once it has sent at least
 * COMPLAINT_PAUSE_MIN_SENT, pauses itself with COMPLAINT_SPIKE. Lowered here
 * (20% after 5 sent) and sent slowly (SEND_RATE=1), so complaints arrive
 * while the dispatch is still going.
 */

let h: FeedbackHarness;
beforeAll(async () => {
  h = await createFeedbackHarness({
    workers: true,
    listener: true,
    env: { SEND_RATE: '1', COMPLAINT_PAUSE_RATE: '0.2', COMPLAINT_PAUSE_MIN_SENT: '5', DISPATCH_BATCH_SIZE: '10' },
  });
});
afterAll(async () => h?.close());

async function complain(i: number) {
  const copy = h.smtp.to(`user${i}@spam.example.org`)[0]!;
  const r = await sendRaw(h.bouncePort!, { from: '', to: ['fbl@bounces.example.org'] }, arfComplaint(copy.raw, copy.from));
  expect(r.ok, JSON.stringify(r)).toBe(true);
  await h.inboxDrained();
}

describe('the complaint breaker', () => {
  it('ignores complaints before COMPLAINT_PAUSE_MIN_SENT copies, then pauses the dispatch with COMPLAINT_SPIKE once the rate passes COMPLAINT_PAUSE_RATE', async () => {
    await addSubscribers(h, 30, () => [], 'spam.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;

    // The first copy, complained about at once: 100% of one sent, but too few sent to mean anything.
    await h.smtp.waitFor(() => h.smtp.received.length >= 1, 20_000);
    const first = h.smtp.received[0]!.to[0]!.match(/^user(\d+)@/)![1]!;
    await complain(Number(first));
    const early = await status(h, id);
    expect(early).toMatchObject({ complained: 1, status: 'sending' });
    expect(early.sent).toBeLessThan(5);

    // Past five sent, two more complaints: 2 or 3 of fewer than 15 sent is above 20%.
    await waitForStatus(h, id, (d) => d.sent >= 6, 30_000);
    const others = h.smtp.received.map((m) => Number(m.to[0]!.match(/^user(\d+)@/)![1])).filter((n) => String(n) !== first).slice(0, 2);
    for (const n of others) await complain(n);
    const paused = await waitForStatus(h, id, 'paused', 10_000);
    expect(paused).toMatchObject({ reasonCode: 'COMPLAINT_SPIKE', complained: 3 });
    expect(paused.reason).toMatch(/^complaint spike: [23] complaints for \d+ sent \(\d+\.\d\d%, above 20\.00%\)/);
    expect(paused.complaintRate).toBeGreaterThan(0.2);

    // Paused means paused: nothing more goes out.
    const settled = h.smtp.received.length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(h.smtp.received.length).toBeLessThanOrEqual(settled + 1);
    await until(async () => (await status(h, id)).status, (s) => s === 'paused', 1_000, 'still paused');
  });
});
