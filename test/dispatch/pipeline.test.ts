import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, status, waitForStatus } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { DISPATCH_BATCH_SIZE: '200', SMTP_POOL_SIZE: '5' } });
});
afterAll(async () => h?.close());

describe('a dispatch to 2,000 subscribers over three topics', () => {
  const topicsFor = (i: number) => [[ 'Russia' ], [ 'Ukraine' ], [ 'Conflict' ], []][i % 4]!;
  let ids: string[];
  let dispatchId: string;

  beforeAll(async () => {
    ids = await addSubscribers(h, 2000, topicsFor);
    const brief = await createBrief(h, { topics: ['Russia'] });
    const res = await dispatch(h, brief.id);
    expect(res.statusCode).toBe(202);
    dispatchId = res.json().id;
    await waitForStatus(h, dispatchId, 'done');
  });

  it('sends exactly one message to every matching subscriber and none to the others', () => {
    const counts = countByRecipient(h);
    for (let i = 0; i < 2000; i++) {
      const expected = i % 4 === 0 || i % 4 === 3 ? 1 : 0;
      expect(counts.get(`user${i}@example.org`) ?? 0, `user${i}`).toBe(expected);
    }
  });

  it('reconciles: total = sent + failed + suppressed + uncertain', async () => {
    const d = await status(h, dispatchId);
    expect(d).toMatchObject({ status: 'done', total: 1000, sent: 1000, failed: 0, suppressed: 0, uncertain: 0, missing: 0, reconciled: true, batches: 5 });
    expect(d.finishedAt).toBeTruthy();
  });

  it('every message carries the bulk headers and its own working unsubscribe link', async () => {
    const mail = h.smtp.to('user0@example.org')[0]!;
    const p = mail.parsed;
    expect(p.text).toContain('Less than meets the eye');
    expect(p.html).toContain('The Kharkiv conundrum');
    // dispatch.subscriber, then a random part per dispatch (unique after a Redis reset or across deployments).
    expect(p.messageId).toMatch(new RegExp(`^<${dispatchId}\\.${ids[0]}\\.[0-9a-f]{10}@briefwire\\.localhost>$`));
    const sameDispatch = h.smtp.received.find((m) => !m.to.includes('user0@example.org'))!.parsed.messageId!;
    expect(sameDispatch.split('.').slice(2).join('.')).toBe(p.messageId!.split('.').slice(2).join('.'));
    const headers = mail.raw.split('\r\n\r\n')[0]!;
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(headers).toMatch(/^List-Id: Fast Thinking <fast-thinking\.briefwire\.localhost>$/m);
    const unsub = /^List-Unsubscribe: <(https:\/\/news\.example\.org\/unsubscribe\/([^>]+))>$/m.exec(headers);
    expect(unsub).not.toBeNull();
    expect(p.html).toContain(unsub![1]);
    expect(p.text).toContain(unsub![1]);
    expect(h.services.linkTokens.verify(unsub![2])).toBe(ids[0]);

    const other = /^List-Unsubscribe: <([^>]+)>$/m.exec(h.smtp.to('user3@example.org')[0]!.raw)![1];
    expect(other).not.toBe(unsub![1]);

    const res = await h.app.inject({ method: 'POST', url: new URL(unsub![1]).pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect((await h.services.subscribers.get(ids[0]!))?.status).toBe('unsubscribed');
  });

  it('marks the brief published: the web version answers', async () => {
    const d = await status(h, dispatchId);
    const brief = await h.services.briefs.get(d.briefId);
    const res = await h.app.inject({ method: 'GET', url: `/briefs/${brief!.slug}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Less than meets the eye');
  });

  it('answers 409 to a second dispatch, and force sends again (once, even on a double click)', async () => {
    const d = await status(h, dispatchId);
    const second = await dispatch(h, d.briefId);
    expect(second.statusCode).toBe(409);
    expect(second.json().error.code).toBe('ALREADY_DISPATCHED');
    const before = h.smtp.received.length;
    const [a, b] = await Promise.all([dispatch(h, d.briefId, { force: true }), dispatch(h, d.briefId, { force: true })]);
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(a.json().id).toBe(b.json().id);
    const forced = await waitForStatus(h, a.json().id, 'done');
    // user0 unsubscribed in the test above.
    expect(forced).toMatchObject({ total: 999, sent: 999 });
    expect(h.smtp.received.length - before).toBe(999);
  });
});

describe('scheduling and controls', () => {
  it('a scheduled dispatch cancelled before its time sends nothing', async () => {
    const brief = await createBrief(h, { topics: ['Conflict'], title: 'Scheduled then cancelled' });
    const at = new Date(Date.now() + 3_000).toISOString();
    const res = await dispatch(h, brief.id, { at });
    expect(res.statusCode).toBe(202);
    const id = res.json().id;
    expect((await status(h, id)).status).toBe('scheduled');
    const before = h.smtp.received.length;
    const cancel = await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/cancel`, headers: h.auth });
    expect(cancel.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 4_000));
    expect((await status(h, id)).status).toBe('cancelled');
    expect(h.smtp.received.length).toBe(before);
  });

  it('rejects bad dispatch bodies naming the field', async () => {
    const brief = await createBrief(h, { title: 'Bad bodies' });
    for (const [body, field] of [
      [{ topics: ['Nope'] }, 'topics.0'],
      [{ at: 'tomorrow' }, 'at'],
      [{ force: 'yes' }, 'force'],
      [{ extra: 1 }, 'body'],
    ] as const) {
      const res = await dispatch(h, brief.id, body as Record<string, unknown>);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.json().error.fields)).toContain(field === 'body' ? '' : field);
    }
    expect((await dispatch(h, 'b999999')).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/dispatches/nope', headers: h.auth })).statusCode).toBe(404);
  });
});
