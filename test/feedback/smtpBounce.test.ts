import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { sendRaw } from './inbound/support.ts';
import { createFeedbackHarness, metric, userUnknownDsn, type FeedbackHarness } from './support.ts';

/**
 * The SMTP-time bounce (a 550 5.1.1 at RCPT from the relay itself) goes
 * through the same policy and the same per-dispatch count as a late one: the
 * consent log says `smtp`, the dispatch counts the reader once, and a DSN for
 * the same copy arriving later counts nothing more.
 */

let h: FeedbackHarness;
beforeAll(async () => {
  h = await createFeedbackHarness({
    workers: true,
    listener: true,
    smtp: { onRcpt: (to) => (to === 'user1@refused.example.org' ? { code: 550, message: '5.1.1 <user1@refused.example.org>: Recipient address rejected: User unknown' } : undefined) },
  });
});
afterAll(async () => h?.close());

describe('a bounce at RCPT', () => {
  it('bounces the reader with source smtp and counts on the dispatch once, whatever comes back later', async () => {
    const ids = await addSubscribers(h, 3, () => [], 'refused.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const done = await waitForStatus(h, id, 'done', 30_000);
    expect(done).toMatchObject({ sent: 2, failed: 1, bounced: 1 });
    expect((await h.services.subscribers.get(ids[1]!))?.status).toBe('bounced');
    expect((await h.services.subscribers.consentLog(ids[1]!)).at(-1)).toMatchObject({ type: 'bounce', source: 'smtp', status: '5.1.1', dispatchId: id });
    const scrape = async () => (await h.app.inject({ url: '/metrics' })).body;
    expect(metric(await scrape(), 'briefwire_feedback_total{source="smtp",kind="hard-bounce"}')).toBe(1);

    // The relay's own DSN for that refusal, to the copy's VERP sender (BOUNCE_ADDRESS is set by the listener option).
    const { createVerp } = await import('../../src/feedback/verp.ts');
    const verp = createVerp(h.config.secretKey, h.config.feedback.bounceAddress!).envelopeFor(id, ids[1]!);
    const r = await sendRaw(h.bouncePort!, { from: '', to: [verp] }, userUnknownDsn('user1@refused.example.org'));
    expect(r.ok).toBe(true);
    await h.inboxDrained();
    expect(await status(h, id)).toMatchObject({ bounced: 1 });
  });
});
