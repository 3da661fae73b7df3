import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { startWorkers } from '../../workers/index.ts';
import { createHarness, testEnv, type Harness } from '../support/harness.ts';
import type { SmtpBehaviour } from '../support/smtpServer.ts';
import { createSmtpMailer } from '../../src/mail/smtpMailer.ts';
import { classifySmtpFailure } from '../../src/mail/smtpFailure.ts';
import type { MailSendError } from '../../src/mail/mailer.ts';
import { startRawSmtp, type RawSmtpMode, type RawSmtpServer } from '../support/rawSmtp.ts';
import { addSubscribers, countByRecipient, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';

/**
 * SMTP faults the dispatch tests (test/dispatch/failures.test.ts: 451, 452,
 * 550 5.1.1, 421 storms on RCPT, 554 5.7.1) do not already cover: the
 * low-level ones from a raw scripted server, 421 at connect and a 535 login.
 * Each ends in the state the classifier promises, and the workers still shut
 * down cleanly afterwards (nothing is left hanging on a dead connection).
 */

let h: Harness | undefined;
let raw: RawSmtpServer | undefined;
afterEach(async () => {
  await h?.close();
  await raw?.close();
  h = undefined;
  raw = undefined;
});

const env = { DISPATCH_BATCH_SIZE: '10', SMTP_GREETING_TIMEOUT_MS: '1000', SMTP_SOCKET_TIMEOUT_MS: '1000', RETRY_BASE_MS: '100', DELIVER_ATTEMPTS: '2', SMTP_POOL_SIZE: '2' };

async function runRaw(mode: RawSmtpMode, n: number, brief: Record<string, unknown> = {}) {
  raw = await startRawSmtp(mode);
  h = await createHarness({ workers: true, env: { ...env, SMTP_URL: raw.url } });
  await addSubscribers(h, n, () => [], 'raw.example.org');
  const created = await createBrief(h, brief);
  return { h, raw, id: (await dispatch(h, created.id)).json().id as string };
}

async function runScripted(smtp: SmtpBehaviour, n: number, extra: Record<string, string> = {}) {
  h = await createHarness({ workers: true, smtp, env: { ...env, ...extra } });
  await addSubscribers(h, n, () => [], 'scripted.example.org');
  const brief = await createBrief(h);
  return { h, id: (await dispatch(h, brief.id)).json().id as string };
}

/** The workers stop within their grace period: no send is stuck on a dead socket. */
async function workersStopCleanly(h: Harness) {
  const closing = h.workers!.close();
  const res = await Promise.race([closing.then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), Number(h.env.SHUTDOWN_GRACE_MS) + 2_000))]);
  expect(res).toBe('closed');
  h.workers = undefined;
}

describe('low-level SMTP faults (raw scripted server)', () => {
  it('no greeting: the greeting timeout fires, each recipient is retried, then counted failed (nobody left in flight)', async () => {
    const { h, raw, id } = await runRaw('no-greeting', 4);
    const d = await waitForStatus(h, id, 'done', 30_000);
    expect(d).toMatchObject({ total: 4, sent: 0, failed: 4, uncertain: 0, missing: 0 });
    // Retried: the second attempt opened connections of its own.
    expect(raw.connections).toBeGreaterThan(2);
    await workersStopCleanly(h);
  });

  it('connection cut while the message is still being written: transient (retried), not uncertain', async () => {
    // Loopback socket buffers swallow ~4 MB, so the message must be larger for the cut to land mid-write.
    raw = await startRawSmtp('drop-mid-data');
    const mailer = createSmtpMailer(loadConfig(testEnv('{bwt-raw}', raw.url, env)));
    const big = `From: a@example.org\r\nTo: b@example.org\r\nSubject: big\r\n\r\n${`${'x'.repeat(70)}\r\n`.repeat(200_000)}`;
    try {
      const err = (await mailer.send({ from: 'a@example.org', to: 'b@example.org', raw: big }).then(() => null, (e) => e)) as MailSendError;
      expect(err).not.toBeNull();
      expect(raw.cuts).toEqual([{ sawEnd: false }]);
      expect(err.dataHandedOver).toBe(false);
      expect(classifySmtpFailure(err)).toBe('transient');
      // The retry, on a fresh connection to a recovered server, is accepted once.
      raw.mode = 'accept';
      await mailer.send({ from: 'a@example.org', to: 'b@example.org', raw: big.slice(0, 100_000) });
      expect(raw.accepted).toEqual([['b@example.org']]);
    } finally {
      await mailer.close();
    }
  });

  it('a normal-sized message cut after DATA: the client wrote it all, so it is uncertain and never re-sent', async () => {
    const { h, raw, id } = await runRaw('drop-mid-data', 4);
    const d = await waitForStatus(h, id, 'done', 30_000);
    expect(d).toMatchObject({ total: 4, sent: 0, failed: 0, uncertain: 4, missing: 0 });
    expect(raw.cuts).toHaveLength(4);
    await workersStopCleanly(h);
  });

  it('the whole message handed over, then no reply: uncertain, and never sent again', async () => {
    const { h, raw, id } = await runRaw('hang-after-data', 3);
    const d = await waitForStatus(h, id, 'done', 30_000);
    expect(d).toMatchObject({ total: 3, sent: 0, failed: 0, uncertain: 3, missing: 0 });
    // Exactly one DATA per recipient: no retry of a message the server may have.
    expect(raw.unanswered).toBe(3);
    await workersStopCleanly(h);
  });
});

describe('scripted refusals not covered by the dispatch tests', () => {
  it('accepted, then the connection dropped before the reply: uncertain, and not sent again', async () => {
    const dropped = new Set(['user1@scripted.example.org', 'user4@scripted.example.org']);
    const { h, id } = await runScripted({ onData: (to) => (to.some((a) => dropped.has(a)) ? 'drop' : undefined) }, 8);
    const d = await waitForStatus(h, id, 'done', 30_000);
    expect(d).toMatchObject({ total: 8, sent: 6, failed: 0, uncertain: 2, missing: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(6);
    // One RCPT each: the possibly-delivered message is never offered again.
    for (const a of dropped) expect(h.smtp.rcptAttempts.get(a)).toBe(1);
    await workersStopCleanly(h);
  });

  it('421 on connect (a few times): throttled, then everyone delivered exactly once, nobody bounced', async () => {
    let refusals = 0;
    const { h, id } = await runScripted({ onConnect: () => (refusals < 3 && ++refusals ? { code: 421, message: '4.7.0 Too busy, try later' } : undefined) }, 12, {
      THROTTLE_MS: '200',
    });
    const d = await waitForStatus(h, id, 'done', 30_000);
    expect(refusals).toBe(3);
    expect(d).toMatchObject({ total: 12, sent: 12, failed: 0, uncertain: 0, missing: 0 });
    const counts = countByRecipient(h);
    expect(counts.size).toBe(12);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    await workersStopCleanly(h);
  });

  it('535 authentication failure: the dispatch pauses itself with the reason, nobody is marked failed', async () => {
    // The API side is fine; the workers hold the wrong password.
    h = await createHarness({ smtp: { auth: { user: 'bw', pass: 'right' } }, env });
    // A loopback relay without TLS: allowInsecureAuth is the operator's say-so, or no AUTH would be sent at all.
    const wrong = `smtp://bw:wrong@127.0.0.1:${h.smtp.port}?allowInsecureAuth=true`;
    const workers = await startWorkers(loadConfig(testEnv(h.prefix, wrong, env)), createLogger('silent'));
    try {
      await addSubscribers(h, 5, () => [], 'auth.example.org');
      const brief = await createBrief(h);
      const id = (await dispatch(h, brief.id)).json().id as string;
      const d = await waitForStatus(h, id, 'paused', 30_000);
      expect(d.reason).toContain('535');
      expect(d.reasonCode).toBe('SMTP_REFUSED');
      expect(d).toMatchObject({ sent: 0, failed: 0, uncertain: 0 });
      expect(h.smtp.received).toHaveLength(0);
    } finally {
      await workers.close();
    }
  });
});

