import { afterEach, describe, expect, it } from 'vitest';
import { createVerp } from '../../src/feedback/verp.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { BOUNCE_ADDRESS, createFeedbackHarness, type FeedbackHarness } from './support.ts';

/**
 * Issue 13, VERP: with BOUNCE_ADDRESS set, the test SMTP server sees each bulk
 * copy arrive from its own `bounces+<token>@…` envelope sender, which parses
 * back to its dispatch and reader; confirmations and test copies come from the
 * plain address; the From: header is the same either way.
 */

let h: FeedbackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MAIL_FROM = 'alerts@briefwire.localhost';

async function sendOne(h: FeedbackHarness, domain: string) {
  const ids = await addSubscribers(h, 3, () => [], domain);
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id as string;
  await waitForStatus(h, id, 'done', 30_000);
  return { id, ids, brief, copies: h.smtp.received.filter((m) => m.to[0]!.endsWith(`@${domain}`)) };
}

describe('VERP envelope senders', () => {
  it('one per reader on bulk copies, each naming its dispatch and reader; the plain address on confirmations and test copies', async () => {
    h = await createFeedbackHarness({ workers: true, env: { BOUNCE_ADDRESS } });
    const verp = createVerp(h.config.secretKey, BOUNCE_ADDRESS);
    const { id, ids, brief, copies } = await sendOne(h, 'verp.example.org');

    expect(copies).toHaveLength(3);
    const seen = new Map<string, string>();
    for (const m of copies) {
      expect(m.from).toMatch(/^bounces\+[0-9a-z]+-[0-9a-z]+-[a-z2-7]{16}@bounces\.example\.org$/);
      const reader = await h.services.subscribers.findByEmail(m.to[0]!);
      expect(verp.parse(m.from)).toEqual({ dispatchId: id, subscriberId: reader!.id });
      // The token carries ids, never the address.
      expect(m.from).not.toContain(m.to[0]!.split('@')[0]);
      expect(m.parsed.from?.value[0]?.address).toBe(MAIL_FROM);
      seen.set(reader!.id, m.from);
    }
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect(new Set(seen.values()).size).toBe(3);

    const signup = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'newcomer@verp.example.org', topics: [] } });
    expect(signup.statusCode).toBe(202);
    await h.smtp.waitFor(() => h!.smtp.to('newcomer@verp.example.org').length === 1);
    expect(h.smtp.to('newcomer@verp.example.org')[0]!.from).toBe(BOUNCE_ADDRESS);

    const test = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.id}/test`, headers: h.auth, payload: { to: ['editor@verp-test.example.org'] } });
    expect(test.statusCode, test.body).toBeLessThan(300);
    await h.smtp.waitFor(() => h!.smtp.to('editor@verp-test.example.org').length === 1);
    const copy = h.smtp.to('editor@verp-test.example.org')[0]!;
    expect(copy.from).toBe(BOUNCE_ADDRESS);
    expect(copy.parsed.from?.value[0]?.address).toBe(MAIL_FROM);
  });

  it('without BOUNCE_ADDRESS the envelope sender stays the MAIL_FROM address', async () => {
    h = await createFeedbackHarness({ workers: true });
    const { copies } = await sendOne(h, 'plain.example.org');
    expect(copies.map((m) => m.from)).toEqual([MAIL_FROM, MAIL_FROM, MAIL_FROM]);
  });
});
