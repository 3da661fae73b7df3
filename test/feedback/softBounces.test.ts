import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVerp } from '../../src/feedback/verp.ts';
import { createSoftBounceCounter } from '../../src/feedback/softBounces.ts';
import { importActive } from '../support/harness.ts';
import { sendRaw } from './inbound/support.ts';
import { about, relays, type Relays } from './relays.ts';
import { BOUNCE_ADDRESS, createFeedbackHarness, mailboxFullDsn, type FeedbackHarness } from './support.ts';

/**
 * Soft bounces (a full mailbox, here Postfix's real DSN) are counted per
 * reader, each dispatch once, and make the reader bounced only at
 * SOFT_BOUNCE_LIMIT within SOFT_BOUNCE_DAYS; a delivery the relay reports in
 * between starts the count again.
 */

let h: FeedbackHarness;
let relay: Relays;
beforeAll(async () => {
  relay = relays(() => h.app);
  h = await createFeedbackHarness({ workers: true, listener: true, env: { ...relay.env, SOFT_BOUNCE_LIMIT: '3', SOFT_BOUNCE_DAYS: '30' } });
});
afterAll(async () => h?.close());

let n = 0;
/** A full-mailbox DSN for `dispatchId`'s copy to the reader, to its VERP sender; `n` keeps each message distinct. */
async function softBounce(subscriberId: string, address: string, dispatchId: string) {
  const to = createVerp(h.config.secretKey, BOUNCE_ADDRESS).envelopeFor(dispatchId, subscriberId);
  const r = await sendRaw(h.bouncePort!, { from: '', to: [to] }, mailboxFullDsn(address, `\n(copy ${n++})\n`));
  expect(r.ok, JSON.stringify(r)).toBe(true);
  await h.inboxDrained();
}

const statusOf = async (id: string) => (await h.services.subscribers.get(id))?.status;
const counted = (id: string) => h.services.redis.zcard(h.services.keys.softBounces(id));

describe('soft bounces', () => {
  it('below the limit nothing changes; a dispatch counts once; at the limit the reader is bounced, with why in the consent log', async () => {
    const address = 'full@soft.example.org';
    const { id } = await importActive(h, address);
    await softBounce(id, address, 'd901');
    await softBounce(id, address, 'd901'); // the same dispatch's copy, reported again
    expect(await counted(id)).toBe(1);
    await softBounce(id, address, 'd902');
    expect(await counted(id)).toBe(2);
    expect(await statusOf(id)).toBe('active');
    const log = await h.services.subscribers.consentLog(id);

    await softBounce(id, address, 'd903');
    expect(await statusOf(id)).toBe('bounced');
    const event = (await h.services.subscribers.consentLog(id)).at(-1);
    expect(event).toMatchObject({ type: 'bounce', source: 'dsn', status: '5.0.0', dispatchId: 'd903' });
    expect((event as { detail: string }).detail).toMatch(/^3 soft bounces within 30 days; the last: dsn 5\.0\.0 mailbox-full/);
    expect(await h.services.subscribers.consentLog(id)).toHaveLength(log.length + 1);
    // Bounced now: the count is done with.
    expect(await counted(id)).toBe(0);
  });

  it('a delivery reported by the relay in between starts the count again', async () => {
    const address = 'sometimes-full@soft.example.org';
    const { id } = await importActive(h, address);
    await softBounce(id, address, 'd911');
    await softBounce(id, address, 'd912');
    expect(await counted(id)).toBe(2);

    const delivered = about<Record<string, unknown>>('mailgun-delivered.json', (e) => (e.recipient = address));
    const res = await relay.mailgun(delivered);
    expect(res.statusCode, res.body).toBe(200);
    expect(await counted(id)).toBe(0);

    await softBounce(id, address, 'd913');
    await softBounce(id, address, 'd914');
    expect(await statusOf(id)).toBe('active');
    await softBounce(id, address, 'd915');
    expect(await statusOf(id)).toBe('bounced');
  });

  it('only bounces within SOFT_BOUNCE_DAYS count', async () => {
    const counter = createSoftBounceCounter(h.services.redis, h.services.keys, { limit: 3, windowDays: 30 });
    const day = 86_400_000;
    expect(await counter.record('77001', 'd1', Date.now() - 31 * day)).toBe(0);
    expect(await counter.record('77001', 'd2', Date.now() - 29 * day)).toBe(1);
    expect(await counter.record('77001', 'd3', Date.now())).toBe(2);
    expect(await counter.record('77001', 'd3', Date.now())).toBe(2);
  });
});
