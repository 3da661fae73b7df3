import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import { createHarness, until, type Harness } from '../support/harness.ts';
import type { MailJob } from '../../src/queue/queues.ts';

/**
 * The transactional lane against a real SMTP server that refuses on RCPT:
 * a 5xx is permanent (one attempt, job failed), a 4xx is retried with backoff
 * and the message is delivered exactly once.
 */

const PERMANENT = 'hard-bounce@example.org';
const TEMPORARY = 'greylisted@example.org';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    workers: true,
    env: { SIGNUP_LIMIT_PER_IP: '1000' },
    smtp: {
      onRcpt(address, attempt) {
        if (address === PERMANENT) return { code: 550, message: '5.1.1 No such user here' };
        if (address === TEMPORARY && attempt === 1) return { code: 451, message: '4.7.1 Greylisted, try again later' };
        return undefined;
      },
    },
  });
});
afterAll(async () => h?.close());

/** The confirmation job for a subscriber, once it reaches a final state. */
async function finishedJobFor(email: string): Promise<Job<MailJob>> {
  const sub = await h.services.subscribers.findByEmail(email);
  expect(sub).not.toBeNull();
  const find = async () => {
    const jobs = await h.services.queues.mail.getJobs(['completed', 'failed']);
    return jobs.find((j) => j.data.kind === 'confirm' && j.data.subscriberId === sub!.id);
  };
  return (await until(find, (j) => j !== undefined, 30_000, `confirmation job for ${email}`))!;
}

describe('confirmation email failures', () => {
  it('a 550 on RCPT is permanent: one attempt at the server, the job fails, nothing is delivered', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: PERMANENT } });
    expect(res.statusCode).toBe(202);
    const job = await finishedJobFor(PERMANENT);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/550/);
    expect(h.smtp.rcptAttempts.get(PERMANENT)).toBe(1);
    expect(h.smtp.to(PERMANENT)).toHaveLength(0);
    // Nothing else is waiting to try again.
    const counts = await h.services.queues.mail.getJobCounts('waiting', 'delayed', 'active');
    expect(counts.waiting + counts.delayed + counts.active).toBe(0);
    // The job carried an id, never the address or a body.
    expect(JSON.stringify(job.data)).not.toContain('@');
  });

  it('a 451 on RCPT is retried with backoff and the confirmation is delivered once', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: TEMPORARY } });
    expect(res.statusCode).toBe(202);
    const job = await finishedJobFor(TEMPORARY);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(2);
    expect(h.smtp.rcptAttempts.get(TEMPORARY)).toBe(2);
    expect(h.smtp.to(TEMPORARY)).toHaveLength(1);

    // The retried message carries a working link (a fresh token minted at send time).
    const text = h.smtp.to(TEMPORARY)[0]!.parsed.text ?? '';
    const link = /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];
    expect(link).toBeDefined();
    const confirmed = await h.app.inject({ method: 'POST', url: link! });
    expect(confirmed.statusCode).toBe(200);
    expect((await h.services.subscribers.findByEmail(TEMPORARY))?.status).toBe('active');
  });
});
