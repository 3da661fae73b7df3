import { describe, expect, it } from 'vitest';
import { canonicalTimeZone, nextLocalHour, parseQuietHours, previousLocalHour, quietUntil, zonedInstant } from '../../src/cadence/time.ts';
import { createRouter, EXPIRY_MARGIN_MS } from '../../src/cadence/route.ts';
import { cadenceFor, decodeCadence, deliveryEntry, encodeCadence, parseCadence, parseDeliveryEntry } from '../../src/cadence/model.ts';

/** The zone arithmetic and the cadence rule on their own: pure functions of the instant they are given. */

const iso = (ms: number) => new Date(ms).toISOString();

describe('local hours in a time zone', () => {
  it('find 07:00 local on either side of a daylight saving change', () => {
    expect(iso(zonedInstant({ year: 2025, month: 3, day: 29 }, 7, 'Europe/Paris'))).toBe('2025-03-29T06:00:00.000Z');
    expect(iso(zonedInstant({ year: 2025, month: 3, day: 30 }, 7, 'Europe/Paris'))).toBe('2025-03-30T05:00:00.000Z');
    expect(iso(zonedInstant({ year: 2025, month: 10, day: 26 }, 7, 'Europe/Paris'))).toBe('2025-10-26T06:00:00.000Z');
    expect(iso(zonedInstant({ year: 2025, month: 3, day: 9 }, 7, 'America/New_York'))).toBe('2025-03-09T11:00:00.000Z');
    expect(iso(zonedInstant({ year: 2025, month: 6, day: 1 }, 7, 'Asia/Kolkata'))).toBe('2025-06-01T01:30:00.000Z');
  });

  it('an hour the change skips is the first instant after the gap', () => {
    expect(iso(zonedInstant({ year: 2025, month: 3, day: 30 }, 2, 'Europe/Paris'))).toBe('2025-03-30T01:00:00.000Z');
  });

  it('next and previous 07:00 from an instant', () => {
    const t = Date.parse('2025-03-30T05:05:00Z');
    expect(iso(previousLocalHour(t, 'Europe/Paris', 7))).toBe('2025-03-30T05:00:00.000Z');
    expect(iso(nextLocalHour(t, 'Europe/Paris', 7))).toBe('2025-03-31T05:00:00.000Z');
    expect(iso(nextLocalHour(Date.parse('2025-03-30T04:59:00Z'), 'Europe/Paris', 7))).toBe('2025-03-30T05:00:00.000Z');
    expect(iso(previousLocalHour(Date.parse('2025-03-30T04:59:00Z'), 'Europe/Paris', 7))).toBe('2025-03-29T06:00:00.000Z');
  });

  it('quiet hours wrap past midnight and end at their local end hour', () => {
    const quiet = parseQuietHours('22-7')!;
    expect(quiet).toEqual({ start: 22, end: 7 });
    expect(iso(quietUntil(Date.parse('2025-06-01T21:30:00Z'), 'Europe/Paris', quiet)!)).toBe('2025-06-02T05:00:00.000Z');
    expect(iso(quietUntil(Date.parse('2025-06-01T02:00:00Z'), 'UTC', quiet)!)).toBe('2025-06-01T07:00:00.000Z');
    expect(quietUntil(Date.parse('2025-06-01T21:30:00Z'), 'America/New_York', quiet)).toBeNull();
    expect(quietUntil(Date.parse('2025-06-01T13:00:00Z'), 'UTC', parseQuietHours('12-14')!)).toBe(Date.parse('2025-06-01T14:00:00Z'));
    for (const bad of ['22', '7-7', '25-7', '22-7-1', 'night']) expect(parseQuietHours(bad), bad).toBeNull();
  });

  it('zone names are IANA names, spelled canonically', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    for (const bad of ['Mars/Base', '', 'Europe/Paris; DROP', 42, '../etc']) expect(canonicalTimeZone(bad), String(bad)).toBeNull();
  });
});

describe('the cadence rule', () => {
  const perTopic = decodeCadence(encodeCadence({ Russia: 'daily', Ukraine: 'instant' }));

  it('stores a map as its daily topics, and reads it back', () => {
    expect(encodeCadence({ Ukraine: 'daily', Russia: 'daily', Conflict: 'instant' })).toBe('daily:Russia|Ukraine');
    expect(encodeCadence({ Russia: 'instant' })).toBe('instant');
    expect(perTopic).toEqual({ Russia: 'daily' });
    expect(parseDeliveryEntry(deliveryEntry(perTopic, 'Europe/Paris'))).toEqual({ cadence: { Russia: 'daily' }, timeZone: 'Europe/Paris' });
    expect(deliveryEntry('instant', undefined)).toBe('');
  });

  it('sends a brief to the digest only when every topic that brought it to the reader is daily for them', () => {
    expect(cadenceFor(perTopic, ['Russia', 'Ukraine'], ['Russia'])).toBe('daily');
    expect(cadenceFor(perTopic, ['Russia', 'Ukraine'], ['Russia', 'Ukraine'])).toBe('instant');
    // A topic the reader did not pick does not count.
    expect(cadenceFor(perTopic, ['Russia'], ['Russia', 'Ukraine'])).toBe('daily');
    // A reader who picked none gets every brief, through all its topics.
    expect(cadenceFor(perTopic, [], ['Russia', 'Conflict'])).toBe('instant');
    expect(cadenceFor('daily', [], ['Conflict'])).toBe('daily');
  });

  it('reads the JSON and CSV forms, and names what is wrong', () => {
    const topics = ['Russia', 'Ukraine'];
    expect(parseCadence('Russia=daily|Ukraine=instant', topics)).toEqual({ ok: true, value: { Russia: 'daily', Ukraine: 'instant' } });
    expect(parseCadence(undefined, topics)).toEqual({ ok: true, value: 'instant' });
    expect(parseCadence('weekly', topics)).toMatchObject({ ok: false });
    expect(parseCadence({ Mars: 'daily' }, topics)).toMatchObject({ ok: false, message: expect.stringContaining('Mars') });
    expect(parseCadence({ ['__proto__']: 'daily' }, topics)).toMatchObject({ ok: false });
  });
});

describe('the planner’s route for one reader', () => {
  const planAtMs = Date.parse('2025-06-01T21:30:00Z');
  const base = { topics: ['Russia'], defaultTimeZone: 'UTC', quietHours: { start: 22, end: 7 }, ignoreQuietHours: false, planAtMs };

  it('holds a reader in quiet hours until they end in their zone, and no one for a breaking dispatch', () => {
    const route = createRouter(base);
    expect(route({ topics: [], delivery: 'Europe/Paris;instant' })).toEqual({ kind: 'send', notBefore: Date.parse('2025-06-02T05:00:00Z') });
    expect(route({ topics: [], delivery: null })).toEqual({ kind: 'send', notBefore: 0 });
    expect(route({ topics: ['Russia'], delivery: 'Europe/Paris;daily:Russia' })).toEqual({ kind: 'daily' });
    expect(createRouter({ ...base, ignoreQuietHours: true })({ topics: [], delivery: 'Europe/Paris;instant' })).toEqual({ kind: 'send', notBefore: 0 });
  });

  it('holds a reader whose quiet hours outlast the expiry only until just after it (their claim then finds it expired)', () => {
    const expiresMs = planAtMs + 3_600_000;
    expect(createRouter({ ...base, expiresMs })({ topics: [], delivery: 'Europe/Paris;instant' })).toEqual({ kind: 'send', notBefore: expiresMs + EXPIRY_MARGIN_MS });
  });
});
