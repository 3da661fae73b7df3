import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { DIGEST_EVERY_MS } from '../../src/digests/queue.ts';
import { addReader, createCadenceHarness, digestsDone, digestsTo, scheduledRun, testClock, type CadenceHarness } from './support.ts';

/**
 * The scheduled digest: every 15 minutes a run finds the readers whose local
 * DIGEST_HOUR has come, in their own time zone, across a daylight saving
 * change. The test moves the workers' clock; nothing waits for real hours.
 */

/** The next Sunday Europe/Paris springs forward (last Sunday of March, 01:00 UTC) at least a week ahead. */
function nextParisSpringForward(): Date {
  for (let year = new Date().getUTCFullYear(); ; year++) {
    const d = new Date(Date.UTC(year, 2, 31));
    while (d.getUTCDay() !== 0) d.setUTCDate(d.getUTCDate() - 1);
    if (d.getTime() > Date.now() + 7 * 24 * 3_600_000) return d;
  }
}

const sunday = nextParisSpringForward();
/** That Sunday (0), the Saturday (-1) or the Friday (-2) before, at hh:mm UTC. */
const at = (day: 0 | -1 | -2, hhmm: string) => new Date(sunday.getTime() + day * 24 * 3_600_000).toISOString().replace(/T.*/, `T${hhmm}:00.000Z`);

let h: CadenceHarness;
const clock = testClock();
const subjects = (to: string) => digestsTo(h, to).map((m) => m.parsed.subject);

beforeAll(async () => {
  h = await createCadenceHarness({ clock, env: { DIGEST_HOUR: '7' } });
  await addReader(h, 'paris@example.org', { cadence: 'daily', timeZone: 'Europe/Paris' });
  await addReader(h, 'newyork@example.org', { cadence: 'daily', timeZone: 'America/New_York' });
  // No zone of their own: DIGEST_TIME_ZONE (UTC).
  await addReader(h, 'utc@example.org', { cadence: 'daily' });
  // The clock jumps months ahead: a first round finds every reader overdue with nothing to send,
  // and opens their windows then, as it would for readers after a long stop of the workers.
  expect(await tick(at(-2, '20:00'))).toMatchObject({ readers: 0 });
  clock.set(at(-1, '04:00'));
  const b = await createBrief(h, { title: 'Saturday brief', topics: ['Russia'] });
  await waitForStatus(h, (await dispatch(h, b.id)).json().id, 'done');
});
afterAll(async () => h?.close());

async function tick(iso: string) {
  clock.set(iso);
  const run = await scheduledRun(h);
  if (run.sends) await digestsDone(h, run.id);
  return run;
}

describe('the digest scheduler', () => {
  it('is a BullMQ job scheduler running every 15 minutes', () => {
    expect(h.scheduler).toEqual({ name: 'due', every: DIGEST_EVERY_MS });
    expect(DIGEST_EVERY_MS).toBe(15 * 60_000);
  });

  it('sends nobody a digest before their local hour', async () => {
    // 06:30 in Paris, 00:30 in New York, 05:30 UTC.
    expect(await tick(at(-1, '05:30'))).toMatchObject({ readers: 0 });
    for (const r of ['paris', 'newyork', 'utc']) expect(subjects(`${r}@example.org`), r).toEqual([]);
  });

  it('sends each reader theirs once 07:00 has come where they live', async () => {
    // 07:05 in Paris (CET, UTC+1).
    expect(await tick(at(-1, '06:05'))).toMatchObject({ readers: 1, sends: 1 });
    expect(subjects('paris@example.org')).toEqual(['Fast Thinking digest: Saturday brief']);
    expect(subjects('utc@example.org')).toEqual([]);
    // Another round within the same hour sends Paris nothing more.
    expect(await tick(at(-1, '06:20'))).toMatchObject({ readers: 0 });
    expect(await tick(at(-1, '07:05'))).toMatchObject({ readers: 1 });
    expect(subjects('utc@example.org')).toEqual(['Fast Thinking digest: Saturday brief']);
    expect(subjects('newyork@example.org')).toEqual([]);
    // 07:05 in New York (EDT, UTC-4, since its own change two weeks earlier).
    expect(await tick(at(-1, '11:05'))).toMatchObject({ readers: 1 });
    expect(subjects('newyork@example.org')).toEqual(['Fast Thinking digest: Saturday brief']);
    expect(subjects('paris@example.org')).toHaveLength(1);
  });

  it('keeps 07:00 local across the spring-forward change: an hour earlier in UTC the next day', async () => {
    clock.set(at(0, '00:30'));
    const b = await createBrief(h, { title: 'Sunday brief', topics: ['Ukraine'] });
    await waitForStatus(h, (await dispatch(h, b.id)).json().id, 'done');
    // 05:05 UTC on Sunday is 07:05 in Paris (CEST, UTC+2), where on Saturday it was 06:05.
    expect(await tick(at(0, '04:50'))).toMatchObject({ readers: 0 });
    expect(await tick(at(0, '05:05'))).toMatchObject({ readers: 1, sends: 1 });
    expect(subjects('paris@example.org')).toEqual(['Fast Thinking digest: Saturday brief', 'Fast Thinking digest: Sunday brief']);
    expect(subjects('utc@example.org')).toHaveLength(1);
    expect(await tick(at(0, '07:10'))).toMatchObject({ readers: 1 });
    expect(subjects('utc@example.org')).toEqual(['Fast Thinking digest: Saturday brief', 'Fast Thinking digest: Sunday brief']);
    expect(subjects('newyork@example.org')).toHaveLength(1);
  });
});
