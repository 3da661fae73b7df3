import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, importActive, type Harness } from '../support/harness.ts';
import { createFeedbackPolicy, type DeliveryFeedback, type FeedbackPolicy } from '../../src/feedback/policy.ts';

let h: Harness;
let policy: FeedbackPolicy;
beforeAll(async () => {
  h = await createHarness();
  policy = createFeedbackPolicy({ subscribers: h.services.subscribers });
});
afterAll(async () => h?.close());

let n = 0;
async function reader() {
  const { id } = await importActive(h, `reader${n++}@example.org`);
  return id;
}
const feedback = (subscriberId: string, kind: DeliveryFeedback['kind'], extra: Partial<DeliveryFeedback> = {}): DeliveryFeedback => ({
  kind,
  source: 'smtp',
  subscriberId,
  detail: 'EENVELOPE at RCPT TO: 550 5.1.1 <address>: user unknown',
  at: '2026-12-02T10:00:00.000Z',
  ...extra,
});
const statusOf = async (id: string) => (await h.services.subscribers.get(id))?.status;
const lastEvent = async (id: string) => (await h.services.subscribers.consentLog(id)).at(-1);

describe('feedback policy', () => {
  it('a hard bounce makes the reader bounced, with the bounce in the consent log, once', async () => {
    const id = await reader();
    const bounce = feedback(id, 'hard-bounce', { dispatchId: 'd7', status: '5.1.1' });
    expect(await policy.apply(bounce)).toEqual({ changed: true });
    expect(await statusOf(id)).toBe('bounced');
    expect(await lastEvent(id)).toEqual({ type: 'bounce', at: bounce.at, detail: bounce.detail, dispatchId: 'd7', source: 'smtp', status: '5.1.1' });
    const logLength = (await h.services.subscribers.consentLog(id)).length;

    expect(await policy.apply(bounce)).toEqual({ changed: false });
    expect(await h.services.subscribers.consentLog(id)).toHaveLength(logLength);
  });

  it('a complaint makes the reader complained; a DSN bounce without a dispatch logs none', async () => {
    const id = await reader();
    expect(await policy.apply(feedback(id, 'complaint', { source: 'arf', detail: 'abuse report', dispatchId: 'd3' }))).toEqual({ changed: true });
    expect(await statusOf(id)).toBe('complained');
    expect(await lastEvent(id)).toEqual({ type: 'complaint', at: '2026-12-02T10:00:00.000Z', detail: 'abuse report', dispatchId: 'd3', source: 'arf' });

    const other = await reader();
    await policy.apply(feedback(other, 'hard-bounce', { source: 'dsn' }));
    expect(await lastEvent(other)).not.toHaveProperty('dispatchId');
  });

  it('an unsubscribe withdraws consent, but never overwrites a bounce', async () => {
    const id = await reader();
    expect(await policy.apply(feedback(id, 'unsubscribe', { source: 'mailgun' }))).toEqual({ changed: true });
    expect(await statusOf(id)).toBe('unsubscribed');
    expect(await lastEvent(id)).toMatchObject({ type: 'withdraw', at: '2026-12-02T10:00:00.000Z' });

    const bounced = await reader();
    await policy.apply(feedback(bounced, 'hard-bounce'));
    expect(await policy.apply(feedback(bounced, 'unsubscribe', { source: 'ses' }))).toEqual({ changed: false });
    expect(await statusOf(bounced)).toBe('bounced');
  });

  it('soft bounces and deliveries change nothing yet', async () => {
    const id = await reader();
    const before = await h.services.subscribers.consentLog(id);
    expect(await policy.apply(feedback(id, 'soft-bounce', { status: '5.2.2' }))).toEqual({ changed: false });
    expect(await policy.apply(feedback(id, 'delivered'))).toEqual({ changed: false });
    expect(await statusOf(id)).toBe('active');
    expect(await h.services.subscribers.consentLog(id)).toEqual(before);
  });

  it('feedback about a subscriber who no longer exists changes nothing', async () => {
    const id = await reader();
    await h.services.subscribers.erase(id);
    expect(await policy.apply(feedback(id, 'hard-bounce'))).toEqual({ changed: false });
    expect(await h.services.subscribers.get(id)).toBeNull();
  });
});
