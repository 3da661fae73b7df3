import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, importActive, until, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { expireDispatchDetail } from '../../src/dispatch/retention.ts';
import { CONSENT_LOG_MAX } from '../../src/subscribers/store.ts';

/** Issue 14, findings 1, 2, 4, 5 and 12: each attack or fault performed through the real app, Redis and SMTP. */
const confirmLink = (text: string) => /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { SIGNUP_LIMIT_PER_IP: '1000' } });
});
afterAll(async () => h?.close());

const signup = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/subscribe', payload });

describe('a scanner opening the confirmation link', () => {
  it('confirms nothing: GET shows a button, only the POST confirms, and the link keeps working', async () => {
    await signup({ email: 'scanned@example.org' });
    await h.smtp.waitFor(() => h.smtp.to('scanned@example.org').length === 1);
    const link = confirmLink(h.smtp.to('scanned@example.org')[0]!.parsed.text ?? '')!;
    for (let i = 0; i < 3; i++) expect((await h.app.inject({ method: 'GET', url: link })).statusCode).toBe(200);
    expect((await h.services.subscribers.findByEmail('scanned@example.org'))?.status).toBe('pending');
    expect((await h.app.inject({ method: 'POST', url: link })).statusCode).toBe(200);
    expect((await h.services.subscribers.findByEmail('scanned@example.org'))?.status).toBe('active');
    const again = await h.app.inject({ method: 'GET', url: link });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('You are confirmed');
  });
});

describe('addresses differing only in case', () => {
  it('are one reader: one subscriber, one confirmation in the window, the first spelling kept for display', async () => {
    for (const email of ['Bomb@example.org', 'BOMB@example.org', 'bomb@EXAMPLE.org', 'bOmB@example.org']) expect((await signup({ email })).statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.received.some((m) => m.to.some((t) => t.toLowerCase() === 'bomb@example.org')));
    await new Promise((r) => setTimeout(r, 1_500));
    const copies = h.smtp.received.filter((m) => m.to.some((t) => t.toLowerCase() === 'bomb@example.org'));
    expect(copies).toHaveLength(1);
    const sub = await h.services.subscribers.findByEmail('BOMB@example.org');
    expect(sub?.email).toBe('Bomb@example.org');
    expect((await h.services.subscribers.list({ query: 'bomb@', limit: 10 })).items).toHaveLength(1);
  });
});

describe('re-signup of an existing address', () => {
  it('never changes an unsubscribed or bounced reader without their click; the click applies what they asked for', async () => {
    for (const [email, leaving] of [
      ['left@example.org', 'unsubscribed'],
      ['gone@example.org', 'bounced'],
    ] as const) {
      const { id } = await importActive(h, email, ['Russia']);
      await h.services.subscribers.leave(id, leaving, leaving === 'bounced' ? { type: 'bounce', at: new Date().toISOString(), detail: 'test' } : { type: 'withdraw', at: new Date().toISOString(), channel: 'editor' });
      expect((await signup({ email, name: 'Someone Else', topics: ['Ukraine'] })).statusCode).toBe(202);
      await h.smtp.waitFor(() => h.smtp.to(email).length === 1);
      const unchanged = await h.services.subscribers.get(id);
      expect(unchanged).toMatchObject({ status: leaving, name: '', topics: ['Russia'] });
      // The old link of the confirmation is the reader's consent; only its POST rejoins them.
      const link = confirmLink(h.smtp.to(email)[0]!.parsed.text ?? '')!;
      expect((await h.app.inject({ method: 'GET', url: link })).statusCode).toBe(200);
      expect((await h.services.subscribers.get(id))?.status).toBe(leaving);
      expect((await h.app.inject({ method: 'POST', url: link })).statusCode).toBe(200);
      expect(await h.services.subscribers.get(id)).toMatchObject({ status: 'active', name: 'Someone Else', topics: ['Ukraine'] });
    }
  });

  it('a reader who complained and signs up again gets no mail and stays complained', async () => {
    const { id } = await importActive(h, 'spam-button@example.org');
    await h.services.subscribers.leave(id, 'complained', { type: 'complaint', at: new Date().toISOString(), detail: 'test' });
    expect((await signup({ email: 'spam-button@example.org', topics: ['Ukraine'] })).statusCode).toBe(202);
    await until(async () => (await h.services.queues.mail.getJobCounts('waiting', 'active', 'delayed')), (c) => c.waiting + c.active + c.delayed === 0, 10_000, 'mail queue to drain');
    await new Promise((r) => setTimeout(r, 500));
    expect(h.smtp.to('spam-button@example.org')).toHaveLength(0);
    expect(await h.services.subscribers.get(id)).toMatchObject({ status: 'complained', topics: [] });
  });
});

describe('the confirmation slot', () => {
  it('is held by the job that took it: its re-run after a crash may send, another job in the window may not', async () => {
    const limits = h.services.signupLimits;
    expect(await limits.claimConfirmationSlot('990001', 'confirm-1-0')).toBe(true);
    // A stalled job runs again as if new (attemptsMade 0): the same job id gets through.
    expect(await limits.claimConfirmationSlot('990001', 'confirm-1-0')).toBe(true);
    expect(await limits.claimConfirmationSlot('990001', 'confirm-1-1')).toBe(false);
  });
});

describe('bounded growth under noeviction', () => {
  it('a pending signup that is never confirmed is removed after its link expired (plus a day), leaving no key behind', async () => {
    await signup({ email: 'never-confirms@example.org' });
    const sub = (await until(() => h.services.subscribers.findByEmail('never-confirms@example.org'), (s) => !!s))!;
    const confirmed = await importActive(h, 'keeps@example.org');
    expect(await h.services.subscribers.expirePending(new Date(Date.now() - 60_000))).toBe(0);
    expect(await h.services.subscribers.expirePending(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await h.services.subscribers.get(sub.id)).toBeNull();
    expect(await h.services.subscribers.findByEmail('never-confirms@example.org')).toBeNull();
    expect(await h.services.redis.exists(h.services.keys.subscriber(sub.id), h.services.keys.subscriberConsent(sub.id))).toBe(0);
    expect(await h.services.redis.zscore(h.services.keys.pendingSubscribers, sub.id)).toBeNull();
    expect((await h.services.subscribers.get(confirmed.id))?.status).toBe('active');
  });

  it('a consent log keeps the first consent and the latest events, however often one address signs up', async () => {
    const email = 'flooded@example.org';
    const windows = h.services.signupLimits.windows('198.51.100.7');
    const event = (n: number) => ({ type: 'signup' as const, at: new Date().toISOString(), ip: `198.51.100.${n % 250}`, userAgent: `bot ${n}`, consentVersion: 'v1', source: 'api' as const });
    let id = '';
    for (let n = 0; n < CONSENT_LOG_MAX + 60; n++) {
      const r = await h.services.subscribers.signup({ email, name: '', topics: [], event: event(n) }, windows);
      if (!r.limited) id = r.id;
    }
    const log = await h.services.subscribers.consentLog(id);
    expect(log).toHaveLength(CONSENT_LOG_MAX);
    expect(log[0]).toMatchObject({ type: 'signup', userAgent: 'bot 0' });
    expect(log[log.length - 1]).toMatchObject({ userAgent: `bot ${CONSENT_LOG_MAX + 59}` });
  });

  it('every queue caps its kept failed jobs by count, not only by age', async () => {
    for (const q of h.services.queues.all()) {
      const kept = q.defaultJobOptions.removeOnFail;
      expect(typeof kept === 'object' && kept !== null && typeof kept.count === 'number', q.name).toBe(true);
    }
  });

  it('a finished dispatch drops its per-recipient detail after LEDGER_RETENTION_DAYS; its counters remain', async () => {
    await addSubscribers(h, 3, () => [], 'retained.example.org');
    const brief = await createBrief(h, { title: 'Retention' });
    const id = (await dispatch(h, brief.id, { force: true })).json().id as string;
    const done = await waitForStatus(h, id, 'done');
    const k = h.services.keys;
    expect(await h.services.redis.exists(k.dispatchLedger(id), k.dispatchMessage(id))).toBe(2);
    expect(await expireDispatchDetail(h.services.redis, k, new Date(Date.now() - 86_400_000))).not.toContain(id);
    expect(await expireDispatchDetail(h.services.redis, k, new Date(Date.now() + 86_400_000))).toContain(id);
    expect(await h.services.redis.exists(k.dispatchLedger(id), k.dispatchMessage(id), k.dispatchBatchesDone(id))).toBe(0);
    const after = (await h.app.inject({ method: 'GET', url: `/api/dispatches/${id}`, headers: h.auth })).json();
    expect(after).toMatchObject({ status: 'done', sent: done.sent, total: done.total });
  });
});
