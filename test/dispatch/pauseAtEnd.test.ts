import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from './support.ts';

/**
 * A pause that lands after the last batch's sends but before its completion
 * is counted (issue 14, finding 10): the batch completes while the dispatch is
 * paused, so nothing is left to finish it. Resume must finish it, or it stays
 * `sending` for ever and blocks a forced re-send. The store scripts are run
 * here in exactly that order, as a worker would.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('pause between the last send and its batch completing, then resume: the dispatch is done, and a forced re-send is accepted', async () => {
  h = await createHarness();
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id as string;
  // No workers: play the planner and the one deliver job by hand.
  const d = h.services.dispatches;
  await d.checkpoint(id, 0, 1, 0);
  await d.setPlanned(id, true);
  expect((await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/pause`, headers: h.auth })).statusCode).toBe(200);
  // The batch's sends are over; its completion arrives while paused and cannot finish the dispatch.
  expect(await d.batchDone(id, 0)).toBe('paused');

  const resumed = await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/resume`, headers: h.auth });
  expect(resumed.statusCode).toBe(200);
  expect(resumed.json()).toMatchObject({ status: 'done', missing: 0 });
  expect((await status(h, id)).status).toBe('done');
  const again = await dispatch(h, brief.id, { force: true });
  expect(again.statusCode).toBe(202);
  expect(again.json().id).not.toBe(id);
});

it('two "retry failed" calls at once: one requeues the failed recipients, the other gets 409 (issue 14, finding 11)', async () => {
  let down = true;
  h = await createHarness({
    workers: true,
    smtp: { onRcpt: () => (down ? { code: 452, message: '4.3.1 Insufficient system storage' } : undefined) },
    env: { DELIVER_ATTEMPTS: '1', DISPATCH_BATCH_SIZE: '5' },
  });
  await addSubscribers(h, 8, () => [], 'retry-twice.example.org');
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id as string;
  await waitForStatus(h, id, (x) => x.status === 'done' && x.failed === 8);
  down = false;
  const url = `/api/dispatches/${id}/retry-failed`;
  const answers = await Promise.all([1, 2].map(() => h!.app.inject({ method: 'POST', url, headers: h!.auth })));
  const codes = answers.map((a) => a.statusCode).sort();
  expect(codes).toEqual([202, 409]);
  expect(answers.find((a) => a.statusCode === 202)!.json()).toEqual({ requeued: 8 });
  expect(answers.find((a) => a.statusCode === 409)!.json().error.code).toBe('INVALID_STATE');
  const done = await waitForStatus(h, id, (x) => x.status === 'done' && x.sent === 8);
  expect(done).toMatchObject({ total: 8, sent: 8, failed: 0, missing: 0 });
});

describe('a refusal still in flight when the editor resumes', () => {
  it('does not pause the resumed dispatch again; a refusal seen after the resume still does', async () => {
    const h = await createHarness();
    try {
      await addSubscribers(h, 2, () => [], 'inflight.example.org');
      const brief = await createBrief(h, { title: 'In flight' });
      const id = (await dispatch(h, brief.id)).json().id as string;
      const d = h.services.dispatches;
      await d.transition(id, 'sending', ['scheduled', 'planning']);
      const seen = await d.resumes(id);
      const reason = { code: 'SMTP_REFUSED' as const, text: 'the relay refused the message' };
      expect(await d.transition(id, 'paused', ['sending', 'planning'], reason, { resumes: seen })).toBe('paused');
      expect(await d.transition(id, 'sending', ['paused'])).toBe('sending');
      // The other send loops' refusals, begun before the resume, come back now: nothing changes.
      expect(await d.transition(id, 'paused', ['sending', 'planning'], reason, { resumes: seen })).toBe('sending');
      expect(await d.transition(id, 'paused', ['sending', 'planning'], reason, { resumes: await d.resumes(id) })).toBe('paused');
    } finally {
      await h.close();
    }
  });
});
