import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { sendRaw } from './inbound/support.ts';
import { arfComplaint, createFeedbackHarness, feedbackFixture, keysMentioning, metric, userUnknownDsn, type FeedbackHarness } from './support.ts';

/**
 * Issue 13 end to end: the workers run the bounce MX (BOUNCE_SMTP_PORT), a
 * real SMTP client (Nodemailer's SMTPConnection) hands it the DSNs and ARF
 * reports that come back to a dispatch's VERP senders, and the readers, the
 * dispatch's counts, the consent log and /metrics say what happened.
 */

let h: FeedbackHarness;
beforeAll(async () => {
  h = await createFeedbackHarness({ workers: true, listener: true, captureLogs: true });
});
afterAll(async () => h?.close());

/** A done dispatch to `n` readers at `domain`; each reader's copy as the relay received it. */
async function sent(domain: string, n = 2) {
  const ids = await addSubscribers(h, n, () => [], domain);
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id as string;
  await waitForStatus(h, id, 'done', 30_000);
  const copyOf = (i: number) => h.smtp.to(`user${i}@${domain}`)[0]!;
  return { id, ids, copyOf };
}

/** A bounce message as a remote MTA sends it: from the null sender, to the address it came back to. */
async function mail(to: string, raw: Buffer) {
  const r = await sendRaw(h.bouncePort!, { from: '', to: [to] }, raw);
  expect(r.ok, JSON.stringify(r)).toBe(true);
  await h.inboxDrained();
}

const statusOf = async (id: string) => (await h.services.subscribers.get(id))?.status;
const scrape = async () => (await h.app.inject({ url: '/metrics' })).body;

describe('the bounce listener started by the workers', () => {
  it('a DSN to a VERP sender bounces that reader: the dispatch counts it, the consent log has source and status, /metrics counts it', async () => {
    expect(h.bouncePort).toBeGreaterThan(0);
    const { id, ids, copyOf } = await sent('dsn.example.org');
    const before = metric(await scrape(), 'briefwire_feedback_total{source="dsn",kind="hard-bounce"}');

    await mail(copyOf(0).from, userUnknownDsn('user0@dsn.example.org'));
    await until(() => statusOf(ids[0]!), (s) => s === 'bounced', 10_000, 'the reader bounced');
    expect(await statusOf(ids[1]!)).toBe('active');

    const d = await status(h, id);
    expect(d).toMatchObject({ sent: 2, bounced: 1, complained: 0, bounceRate: 0.5, complaintRate: 0 });
    const event = (await h.services.subscribers.consentLog(ids[0]!)).at(-1);
    expect(event).toMatchObject({ type: 'bounce', source: 'dsn', status: '5.1.1', dispatchId: id });
    expect(JSON.stringify(event)).not.toContain('@');
    expect(metric(await scrape(), 'briefwire_feedback_total{source="dsn",kind="hard-bounce"}')).toBe(before + 1);

    // The dispatch page shows the counts and rates too.
    const { signIn } = await import('../admin/support.ts');
    const a = await signIn(h);
    const page = await h.app.inject({ url: `/admin/dispatches/${id}`, headers: { cookie: a.cookie } });
    expect(page.body).toContain('<dt>bounced</dt><dd id="count-bounced">1</dd>');
    expect(page.body).toContain('<strong id="bounce-rate">50.00%</strong>');
  });

  it('the same message handed over twice (a sender that missed our 250) changes nothing the second time', async () => {
    const { id, ids, copyOf } = await sent('twice.example.org');
    const dsn = userUnknownDsn('user1@twice.example.org');
    await mail(copyOf(1).from, dsn);
    await until(() => statusOf(ids[1]!), (s) => s === 'bounced', 10_000, 'the reader bounced');
    const log = await h.services.subscribers.consentLog(ids[1]!);
    const duplicates = metric(await scrape(), 'briefwire_feedback_unused_total{reason="duplicate"}');

    await mail(copyOf(1).from, dsn);
    expect(metric(await scrape(), 'briefwire_feedback_unused_total{reason="duplicate"}')).toBe(duplicates + 1);
    expect(await h.services.subscribers.consentLog(ids[1]!)).toEqual(log);
    expect(await status(h, id)).toMatchObject({ bounced: 1 });
  });

  it('an ARF complaint about a copy makes its reader complained at once, counted on the dispatch', async () => {
    const { id, ids, copyOf } = await sent('arf.example.org');
    const copy = copyOf(1);
    // Feedback loops send to their own address, not the VERP one: the enclosed copy's Return-Path names the reader.
    await mail('fbl@bounces.example.org', arfComplaint(copy.raw, copy.from));
    await until(() => statusOf(ids[1]!), (s) => s === 'complained', 10_000, 'the reader complained');
    // Earlier tests' readers are in this audience too: the rate is per copy sent.
    const d = await status(h, id);
    expect(d).toMatchObject({ complained: 1, status: 'done' });
    expect(d.complaintRate).toBeCloseTo(1 / d.sent, 6);
    expect((await h.services.subscribers.consentLog(ids[1]!)).at(-1)).toMatchObject({ type: 'complaint', source: 'arf', dispatchId: id });
  });

  it('a bounce for a reader erased since changes nothing, and no key or log line names the address', async () => {
    const address = 'user0@erased.example.org';
    const { id, ids, copyOf } = await sent('erased.example.org', 1);
    const logLines = h.logs.length;
    // The search below does find the reader while they exist.
    expect((await keysMentioning(h.prefix, address)).length).toBeGreaterThan(0);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/subscribers/${ids[0]}`, headers: h.auth })).statusCode).toBe(204);
    const erased = metric(await scrape(), 'briefwire_feedback_unused_total{reason="erased"}');

    await mail(copyOf(0).from, userUnknownDsn(address));
    expect(metric(await scrape(), 'briefwire_feedback_unused_total{reason="erased"}')).toBe(erased + 1);
    expect(await h.services.subscribers.get(ids[0]!)).toBeNull();
    expect(await status(h, id)).toMatchObject({ bounced: 0 });
    expect(await h.services.redis.xlen(h.services.keys.feedbackUnreadable)).toBe(0);
    expect(await keysMentioning(h.prefix, address)).toEqual([]);
    const lines = h.logs.slice(logLines);
    expect(lines.some((l) => l.includes('"reason":"erased"'))).toBe(true);
    expect(lines.filter((l) => l.toLowerCase().includes(address))).toEqual([]);
  });

  it('a message that is no report, or names nobody, is kept for an operator and counted', async () => {
    const kept = () => h.services.redis.xrange(h.services.keys.feedbackUnreadable, '-', '+');
    const before = (await kept()).length;
    await mail('bounces@bounces.example.org', Buffer.from('From: someone@example.net\r\nSubject: hello\r\n\r\nAre you there?\r\n'));
    const rows = await kept();
    expect(rows).toHaveLength(before + 1);
    const fields = Object.fromEntries(rows.at(-1)![1].reduce<[string, string][]>((acc, v, i, all) => (i % 2 ? acc : [...acc, [v, all[i + 1]!]]), []));
    expect(fields).toMatchObject({ error: 'unreadable: not-a-report', source: 'smtp' });
    expect(fields.raw).toContain('Are you there?');
    expect(metric(await scrape(), 'briefwire_feedback_unused_total{reason="unreadable"}')).toBeGreaterThanOrEqual(1);

    // A complaint whose Message-ID is shaped like ours but is no dispatch's (its tag checks against nothing), naming no address.
    await mail('fbl@bounces.example.org', Buffer.from(feedbackFixture('briefwire-arf-abuse.eml')));
    const last = (await kept()).at(-1)![1];
    expect(last[last.indexOf('error') + 1]).toBe('no-reader: arf naming no reader we could look up');
    expect(metric(await scrape(), 'briefwire_feedback_unused_total{reason="no-reader"}')).toBe(1);
  });
});
