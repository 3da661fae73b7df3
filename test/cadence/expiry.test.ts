import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { until } from '../support/harness.ts';
import { addReader, createCadenceHarness, digestNow, testClock, type CadenceHarness } from './support.ts';

/**
 * `expiresAt`: a reader not reached by then is counted `expired` (settled in
 * the ledger by the claim itself) and never sent the alert late, whatever
 * retries or pauses came before. Reconciliation: total = sent + failed +
 * suppressed + uncertain + expired. These wait a few real seconds, not hours.
 */

const GREY = 'grey@example.org';
/** When each RCPT for the greylisted reader came. */
const greyAttempts: number[] = [];
let greyUntil = Infinity;
let h: CadenceHarness;

beforeAll(async () => {
  h = await createCadenceHarness({
    clock: testClock(),
    env: { RETRY_BASE_MS: '300', SEND_RATE: '100' },
    smtp: {
      onRcpt: (address) => {
        if (address !== GREY) return undefined;
        greyAttempts.push(Date.now());
        return Date.now() < greyUntil ? { code: 451, message: '4.7.1 Greylisted, please try again later' } : undefined;
      },
    },
  });
}, 60_000);
afterAll(async () => h?.close());

describe('a dispatch whose expiry passes while a reader is greylisted', () => {
  let id: string;
  let expiresMs: number;
  beforeAll(async () => {
    await addSubscribers(h, 5, () => ['Russia']);
    await addReader(h, GREY, { topics: ['Russia'] });
    await addReader(h, 'daily@example.org', { topics: ['Russia'], cadence: 'daily' });
    const b = await createBrief(h, { title: 'Polls close soon', topics: ['Russia'] });
    expiresMs = Date.now() + 2_000;
    // The relay would take it after the expiry: a late send would be seen.
    greyUntil = expiresMs + 500;
    const res = await dispatch(h, b.id, { expiresAt: new Date(expiresMs).toISOString() });
    expect(res.statusCode).toBe(202);
    id = res.json().id;
    await waitForStatus(h, id, 'done', 60_000);
  }, 90_000);

  it('counts the greylisted reader expired and never sends it late, though its batch was retried past the expiry', async () => {
    expect(greyAttempts.length).toBeGreaterThanOrEqual(2);
    expect(greyAttempts.every((t) => t < expiresMs + 200)).toBe(true);
    expect(h.smtp.to(GREY)).toHaveLength(0);
    const d = await status(h, id);
    expect(d).toMatchObject({ status: 'done', total: 6, sent: 5, failed: 0, expired: 1, missing: 0, reconciled: true, expiresAt: new Date(expiresMs).toISOString() });
    const grey = (await h.services.subscribers.findByEmail(GREY))!;
    expect(await h.services.dispatches.ledgerState(id, grey.id)).toBe('expired');
  });

  it('is not carried into a daily digest after it expired', async () => {
    expect(await digestNow(h)).toMatchObject({ readers: 0, sends: 0 });
  });
});

describe('a dispatch paused past its expiry', () => {
  it('sends none of the rest once resumed: they are expired, and it reconciles', async () => {
    await addSubscribers(h, 300, () => ['Ukraine'], 'paused.example.org');
    const b = await createBrief(h, { title: 'Soon stale', topics: ['Ukraine'] });
    const expiresMs = Date.now() + 2_500;
    const id = (await dispatch(h, b.id, { expiresAt: new Date(expiresMs).toISOString() })).json().id as string;
    await waitForStatus(h, id, (d) => d.sent >= 20);
    expect((await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/pause`, headers: h.auth })).statusCode).toBe(200);
    await until(async () => Date.now(), (t) => t > expiresMs + 300, 10_000, 'the expiry');
    const sentBefore = h.smtp.received.filter((m) => m.to[0]!.endsWith('@paused.example.org')).length;
    expect((await h.app.inject({ method: 'POST', url: `/api/dispatches/${id}/resume`, headers: h.auth })).statusCode).toBe(200);
    const d = await waitForStatus(h, id, 'done', 60_000);
    expect(h.smtp.received.filter((m) => m.to[0]!.endsWith('@paused.example.org'))).toHaveLength(sentBefore);
    expect(d.sent).toBe(sentBefore);
    expect(d).toMatchObject({ total: 300, expired: 300 - sentBefore, missing: 0, reconciled: true });
  }, 60_000);
});

describe('the expiry asked for', () => {
  it('must lie ahead of now, and of the scheduled time', async () => {
    const b = await createBrief(h, { title: 'Bad expiry' });
    const past = await dispatch(h, b.id, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.fields).toEqual([expect.objectContaining({ field: 'expiresAt' })]);
    const inHour = Date.now() + 3_600_000;
    const beforeAt = await dispatch(h, b.id, { at: new Date(inHour).toISOString(), expiresAt: new Date(inHour - 60_000).toISOString() });
    expect(beforeAt.statusCode).toBe(400);
    expect((await dispatch(h, b.id, { expiresAt: 'soon' })).statusCode).toBe(400);
  });
});
