import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import type { SmtpBehaviour } from '../support/smtpServer.ts';
import { startRawSmtp, type RawRefusals, type RawSmtpServer } from '../support/rawSmtp.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, waitForStatus } from './support.ts';

/**
 * Issue 12: a refusal is read by the phase it came in. Only a 5xx at RCPT is
 * about a reader; a 5xx at the greeting, EHLO, MAIL FROM, DATA or the end of
 * data refuses the sender, the message or us. Each such refusal pauses the
 * dispatch with the reply as its reason and changes nobody's status; once the
 * relay is fixed, resume delivers to everyone exactly once.
 */

let h: Harness | undefined;
let raw: RawSmtpServer | undefined;
afterEach(async () => {
  await h?.close();
  await raw?.close();
  h = undefined;
  raw = undefined;
});

const ENV = { DISPATCH_BATCH_SIZE: '5', SMTP_POOL_SIZE: '2', RETRY_BASE_MS: '100' };
const N = 12;

async function everyoneActive(h: Harness, ids: string[]) {
  const subs = await Promise.all(ids.map((id) => h.services.subscribers.get(id)));
  return subs.every((s) => s?.status === 'active');
}

/** Dispatch to N readers, expect a pause naming the reply; then lift the refusal, resume, and expect everyone once. */
async function pausesThenResumes(h: Harness, ids: string[], reply: RegExp, phase: RegExp, lift: () => void, countDelivered: () => Map<string, number>) {
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id as string;
  const paused = await waitForStatus(h, id, 'paused', 30_000);
  expect(paused.reasonCode).toBe('SMTP_REFUSED');
  expect(paused.reason).toMatch(reply);
  expect(paused.reason).toMatch(phase);
  expect(paused).toMatchObject({ failed: 0, sent: 0, uncertain: 0 });
  expect(await everyoneActive(h, ids)).toBe(true);

  lift();
  const resumed = await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/resume`, headers: h.auth });
  expect(resumed.statusCode).toBe(200);
  const done = await waitForStatus(h, id, 'done', 30_000);
  expect(done).toMatchObject({ total: N, sent: N, failed: 0, missing: 0 });
  expect(done.reason).toBeUndefined();
  const counts = countDelivered();
  expect(counts.size).toBe(N);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
  expect(await everyoneActive(h, ids)).toBe(true);
}

describe('a 5xx outside RCPT pauses the dispatch and bounces nobody (smtp-server)', () => {
  const scripted = async (behaviour: (blocked: () => boolean) => SmtpBehaviour) => {
    let blocked = true;
    h = await createHarness({ workers: true, smtp: behaviour(() => blocked), env: ENV });
    const ids = await addSubscribers(h, N, () => [], 'phase.example.org');
    return { h, ids, lift: () => (blocked = false) };
  };

  it('at the greeting (554 5.7.1 blocklisted)', async () => {
    const { h, ids, lift } = await scripted((blocked) => ({ onConnect: () => (blocked() ? { code: 554, message: '5.7.1 Service unavailable; client host blocked using zen.spamhaus.org' } : undefined) }));
    await pausesThenResumes(h, ids, /554/, /greeting/, lift, () => countByRecipient(h));
  });

  it('at MAIL FROM (553 5.1.8 sender rejected): not one of the readers is marked bounced', async () => {
    const { h, ids, lift } = await scripted((blocked) => ({ onMailFrom: () => (blocked() ? { code: 553, message: '5.1.8 Sender address rejected: Domain not found' } : undefined) }));
    await pausesThenResumes(h, ids, /553 5\.1\.8/, /MAIL FROM/, lift, () => countByRecipient(h));
  });

  it('at the end of data (552 5.3.4 message too big)', async () => {
    const { h, ids, lift } = await scripted((blocked) => ({ onData: () => (blocked() ? { code: 552, message: '5.3.4 Message size exceeds fixed limit' } : undefined) }));
    await pausesThenResumes(h, ids, /552 5\.3\.4/, /end of data/, lift, () => countByRecipient(h));
  });
});

describe('a 5xx to EHLO or to the DATA command pauses too (raw scripted server)', () => {
  const scriptedRaw = async (refuse: RawRefusals) => {
    raw = await startRawSmtp('accept');
    raw.refuse = refuse;
    h = await createHarness({ workers: true, env: { ...ENV, SMTP_URL: raw.url } });
    const ids = await addSubscribers(h, N, () => [], 'raw-phase.example.org');
    const server = raw;
    const delivered = () => {
      const counts = new Map<string, number>();
      for (const to of server.accepted.flat()) counts.set(to, (counts.get(to) ?? 0) + 1);
      return counts;
    };
    return { h, ids, delivered, lift: () => (server.refuse = {}) };
  };

  it('at EHLO (and HELO)', async () => {
    const { h, ids, delivered, lift } = await scriptedRaw({ EHLO: '554 5.7.1 You are not welcome here', HELO: '554 5.7.1 You are not welcome here' });
    await pausesThenResumes(h, ids, /554 5\.7\.1/, /EHLO|HELO/, lift, delivered);
  });

  it('at DATA (554 5.6.0 content refused)', async () => {
    const { h, ids, delivered, lift } = await scriptedRaw({ DATA: '554 5.6.0 Content rejected' });
    await pausesThenResumes(h, ids, /554 5\.6\.0/, /DATA/, lift, delivered);
  });
});

describe('credentials only over TLS', () => {
  it('a relay that offers no STARTTLS while credentials are set gets no AUTH and no message; the dispatch pauses and the workers report it', async () => {
    // The harness server wants AUTH and offers no STARTTLS: what a stripping attacker leaves.
    h = await createHarness({ workers: true, smtp: { auth: { user: 'bw', pass: 'secret' } }, env: ENV });
    const ids = await addSubscribers(h, 6, () => [], 'tls.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const paused = await waitForStatus(h, id, 'paused', 30_000);
    expect(paused.reasonCode).toBe('SMTP_REFUSED');
    expect(paused.reason).toMatch(/without TLS/);
    expect(paused).toMatchObject({ sent: 0, failed: 0 });
    expect(h.smtp.authAttempts()).toBe(0);
    expect(h.smtp.received).toHaveLength(0);
    expect(await everyoneActive(h, ids)).toBe(true);
    // The worker's heartbeat carries the error and its phase to GET /api/status.
    const status = await until(
      () => h!.app.inject({ url: '/api/status', headers: h!.auth }).then((r) => r.json()),
      (b) => b.workers?.[0]?.smtp?.bulk?.lastError?.code === 'EINSECUREAUTH',
      15_000,
      'a heartbeat with the error',
    );
    expect(status.workers[0].smtp.bulk.lastError).toMatchObject({ phase: 'auth', kind: 'refused' });
    // Readiness stays Redis's alone (200); an editor also sees that a worker's relay is failing.
    const ready = await h.app.inject({ url: '/readyz', headers: h.auth });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().smtp).toEqual({ workers: 1, failing: 1 });
    expect((await h.app.inject({ url: '/api/status' })).statusCode).toBe(401);
  });
});
