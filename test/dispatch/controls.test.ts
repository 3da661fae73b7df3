import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, status, waitForStatus } from './support.ts';

let h: Harness;
beforeAll(async () => {
  // 100 messages a second: slow enough to act in the middle of a send.
  h = await createHarness({ workers: true, env: { DISPATCH_BATCH_SIZE: '20', SEND_RATE: '100' } });
});
afterAll(async () => h?.close());

const post = (url: string) => h.app.inject({ method: 'POST', url, headers: h.auth });

describe('pause, resume, cancel', () => {
  it('pause mid-send stops sending; resume finishes with no duplicates and nobody missing', async () => {
    await addSubscribers(h, 300, () => ['Russia'], 'pause.example.org');
    const brief = await createBrief(h, { topics: ['Russia'], title: 'Pause and resume' });
    const id = (await dispatch(h, brief.id)).json().id;
    await waitForStatus(h, id, (d) => d.sent >= 50);
    expect((await post(`/api/dispatches/${id}/pause`)).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    const paused = await status(h, id);
    expect(paused.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await status(h, id)).sent).toBe(paused.sent);
    expect(paused.sent).toBeLessThan(300);

    expect((await post(`/api/dispatches/${id}/resume`)).statusCode).toBe(200);
    const done = await waitForStatus(h, id, 'done');
    expect(done).toMatchObject({ total: 300, sent: 300, failed: 0, uncertain: 0, missing: 0 });
    const counts = countByRecipient(h);
    for (let i = 0; i < 300; i++) expect(counts.get(`user${i}@pause.example.org`), `user${i}`).toBe(1);
  });

  it('cancel stops the send for good', async () => {
    await addSubscribers(h, 300, () => ['Ukraine'], 'cancel.example.org');
    const brief = await createBrief(h, { topics: ['Ukraine'], title: 'Cancelled midway' });
    const id = (await dispatch(h, brief.id)).json().id;
    await waitForStatus(h, id, (d) => d.sent >= 30);
    const res = await post(`/api/dispatches/${id}/cancel`);
    expect(res.statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const after = await status(h, id);
    await new Promise((r) => setTimeout(r, 1500));
    const later = await status(h, id);
    expect(later.status).toBe('cancelled');
    expect(later.sent).toBe(after.sent);
    expect(later.sent).toBeLessThan(300);
    const received = [...countByRecipient(h).keys()].filter((a) => a.endsWith('@cancel.example.org')).length;
    expect(received).toBe(later.sent);
    // A cancelled dispatch cannot be resumed.
    expect((await post(`/api/dispatches/${id}/resume`)).statusCode).toBe(409);
  });

  it('someone who unsubscribes after planning, before their batch, gets nothing and counts as suppressed', async () => {
    const ids = await addSubscribers(h, 200, () => ['Conflict'], 'late.example.org');
    const brief = await createBrief(h, { topics: ['Conflict'], title: 'Late unsubscribe' });
    const id = (await dispatch(h, brief.id)).json().id;
    await waitForStatus(h, id, (d) => d.planned && d.sent >= 1);
    const last = ids.at(-1)!;
    const token = h.services.linkTokens.sign(last);
    await h.app.inject({ method: 'POST', url: `/unsubscribe/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    const done = await waitForStatus(h, id, 'done');
    expect(done).toMatchObject({ total: 200, sent: 199, suppressed: 1, missing: 0 });
    expect(h.smtp.to('user199@late.example.org')).toHaveLength(0);
    expect(await h.services.dispatches.ledgerState(id, last)).toBe('suppressed');
  });

  it('the send rate cap holds across the dispatch', async () => {
    const d = (await h.services.dispatches.list(10)).find((x) => x.status === 'done' && x.sent === 300);
    expect(d).toBeDefined();
    const seconds = (Date.parse(d!.finishedAt!) - Date.parse(d!.startedAt!)) / 1000;
    // The cap counts per clock second: 300 messages at 100/s need three windows, so the last send is at
    // least one whole second after the first, however late in its window the first one went (the
    // window the dispatch starts in may have only a moment left: 1.9 s was not a safe bound).
    expect(seconds).toBeGreaterThan(1.0);
  });
});

describe('pause and cancel answer 409 from the wrong state', () => {
  it('a done dispatch cannot be paused', async () => {
    const d = (await h.services.dispatches.list(10)).find((x) => x.status === 'done');
    const res = await post(`/api/dispatches/${d!.id}/pause`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('INVALID_STATE');
  });
});
