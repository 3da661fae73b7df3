import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import type { SmtpBehaviour } from '../support/smtpServer.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, waitForStatus } from './support.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function run(smtp: SmtpBehaviour, n: number, env: Record<string, string> = {}) {
  h = await createHarness({ workers: true, smtp, env: { DISPATCH_BATCH_SIZE: '25', ...env } });
  const ids = await addSubscribers(h, n);
  const brief = await createBrief(h);
  const res = await dispatch(h, brief.id);
  return { h, ids, briefId: brief.id, id: res.json().id as string };
}

describe('SMTP failures, classified', () => {
  it('451 on the first attempt per recipient: each delivered exactly once after a retry', async () => {
    const { h, id } = await run({ onRcpt: (_a, attempt) => (attempt === 1 ? { code: 451, message: '4.7.1 Greylisted, try again' } : undefined) }, 60);
    const d = await waitForStatus(h, id, 'done');
    expect(d).toMatchObject({ total: 60, sent: 60, failed: 0, uncertain: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect([...h.smtp.rcptAttempts.values()].every((c) => c === 2)).toBe(true);
  });

  it('550 5.1.1 for some addresses: bounced, counted failed, not retried, left out of the next dispatch', async () => {
    const dead = new Set(['user3@example.org', 'user7@example.org', 'user11@example.org']);
    const { h, id, ids, briefId } = await run({ onRcpt: (a) => (dead.has(a) ? { code: 550, message: '5.1.1 No such user' } : undefined) }, 40);
    const d = await waitForStatus(h, id, 'done');
    expect(d).toMatchObject({ total: 40, sent: 37, failed: 3, suppressed: 0, uncertain: 0, missing: 0 });
    for (const a of dead) expect(h.smtp.rcptAttempts.get(a)).toBe(1);
    expect((await h.services.subscribers.get(ids[3]!))?.status).toBe('bounced');
    const log = await h.services.subscribers.consentLog(ids[3]!);
    expect(log.at(-1)).toMatchObject({ type: 'bounce' });

    const again = await dispatch(h, briefId, { force: true });
    const d2 = await waitForStatus(h, again.json().id, 'done');
    expect(d2).toMatchObject({ total: 37, sent: 37, failed: 0 });
    for (const a of dead) expect(h.smtp.rcptAttempts.get(a)).toBe(1);
  });

  it('421 storms slow the send down and everything is delivered afterwards, with no bounces', async () => {
    let refusals = 0;
    const { h, id, ids } = await run(
      { onRcpt: () => (refusals < 30 && ++refusals ? { code: 421, message: '4.7.0 Too many messages, slow down' } : undefined) },
      50,
    );
    const d = await waitForStatus(h, id, 'done', 90_000);
    expect(d).toMatchObject({ total: 50, sent: 50, failed: 0, suppressed: 0 });
    expect(refusals).toBe(30);
    const statuses = await Promise.all(ids.map((s) => h.services.subscribers.get(s)));
    expect(statuses.every((s) => s?.status === 'active')).toBe(true);
    expect([...countByRecipient(h).values()].every((c) => c === 1)).toBe(true);
  });

  it('554 5.7.1 on everything: the dispatch pauses itself, says why, and marks nobody failed', async () => {
    let blocked = true;
    const { h, id } = await run({ onRcpt: () => (blocked ? { code: 554, message: '5.7.1 Message rejected due to policy' } : undefined) }, 30);
    const d = await waitForStatus(h, id, 'paused');
    expect(d.reason).toContain('5.7.1');
    expect(d.failed).toBe(0);
    expect(d.sent).toBe(0);
    // The operator fixes the cause and resumes: everyone gets the brief, once.
    blocked = false;
    const resumed = await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/resume`, headers: h.auth });
    expect(resumed.statusCode).toBe(200);
    const done = await waitForStatus(h, id, 'done');
    expect(done).toMatchObject({ total: 30, sent: 30, failed: 0 });
    expect([...countByRecipient(h).values()].every((c) => c === 1)).toBe(true);
  });

  it('452 every time: transient, retried, then failed after the last attempt, and "retry failed" delivers them', async () => {
    let down = true;
    const { h, id } = await run({ onRcpt: () => (down ? { code: 452, message: '4.3.1 Insufficient system storage' } : undefined) }, 20, { DELIVER_ATTEMPTS: '2' });
    const d = await waitForStatus(h, id, 'done');
    expect(d).toMatchObject({ total: 20, sent: 0, failed: 20, missing: 0 });
    down = false;
    const retry = await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/retry-failed`, headers: h.auth });
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toEqual({ requeued: 20 });
    const after = await waitForStatus(h, id, (x) => x.status === 'done' && x.sent === 20);
    expect(after).toMatchObject({ total: 20, sent: 20, failed: 0, missing: 0 });
    expect(countByRecipient(h).size).toBe(20);
  });
});
