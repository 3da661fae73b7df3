/**
 * Wall-clock time in a reader's IANA time zone, from Node's Intl (full ICU):
 * no offset is ever assumed, so daylight saving changes fall where the zone
 * puts them. Everything here is pure: callers pass the instant (ms), which is
 * how the tests control the clock.
 */

const HOUR_MS = 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical spelling of an IANA zone name (`europe/paris` -> `Europe/Paris`), or null when Intl does not know it. */
export function canonicalTimeZone(name: unknown): string | null {
  if (typeof name !== 'string' || !name || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return null;
  // UTC (the default zone) needs no ICU: the first DateTimeFormat loads ~6 MB of ICU data into a process that may never use it.
  if (name === 'UTC') return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export const isTimeZone = (name: unknown) => canonicalTimeZone(name) !== null;

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

export function localTime(ms: number, timeZone: string): LocalTime {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute! };
}

/** The zone's offset from UTC at that instant, in ms (CET: +3,600,000). */
function offsetAt(ms: number, timeZone: string): number {
  const t = localTime(ms, timeZone);
  const seconds = Math.floor(ms / 1000) % 60;
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, seconds) - (ms - (ms % 1000));
}

/**
 * The instant at which the zone's clock reads `hour`:00 on that local date. An
 * hour skipped by a spring-forward change gives the first instant after the
 * gap; an hour that happens twice gives one of the two.
 */
export function zonedInstant(date: { year: number; month: number; day: number }, hour: number, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, hour);
  const first = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(first, timeZone);
}

const nextDay = (d: { year: number; month: number; day: number }) => {
  const n = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return { year: n.getUTCFullYear(), month: n.getUTCMonth() + 1, day: n.getUTCDate() };
};
const previousDay = (d: { year: number; month: number; day: number }) => {
  const n = new Date(Date.UTC(d.year, d.month - 1, d.day - 1));
  return { year: n.getUTCFullYear(), month: n.getUTCMonth() + 1, day: n.getUTCDate() };
};

/** The first instant after `afterMs` at which the local clock reads `hour`:00. */
export function nextLocalHour(afterMs: number, timeZone: string, hour: number): number {
  let date: { year: number; month: number; day: number } = localTime(afterMs, timeZone);
  for (let i = 0; i < 3; i++, date = nextDay(date)) {
    const at = zonedInstant(date, hour, timeZone);
    if (at > afterMs) return at;
  }
  return afterMs + 24 * HOUR_MS;
}

/** The last instant at or before `atMs` at which the local clock read `hour`:00. */
export function previousLocalHour(atMs: number, timeZone: string, hour: number): number {
  let date: { year: number; month: number; day: number } = localTime(atMs, timeZone);
  for (let i = 0; i < 3; i++, date = previousDay(date)) {
    const at = zonedInstant(date, hour, timeZone);
    if (at <= atMs) return at;
  }
  return atMs - 24 * HOUR_MS;
}

/** QUIET_HOURS: from `start`:00 to `end`:00 local time, wrapping past midnight when start > end. */
export interface QuietHours {
  start: number;
  end: number;
}

/** `22-7` -> {start: 22, end: 7}; null when it is not two different whole hours 0–23. */
export function parseQuietHours(text: string): QuietHours | null {
  const m = /^\s*(\d{1,2})\s*-\s*(\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (start > 23 || end > 23 || start === end) return null;
  return { start, end };
}

/** When the reader's quiet hours end, if `atMs` falls in them; null when it does not. */
export function quietUntil(atMs: number, timeZone: string, quiet: QuietHours): number | null {
  const { hour } = localTime(atMs, timeZone);
  const inside = quiet.start < quiet.end ? hour >= quiet.start && hour < quiet.end : hour >= quiet.start || hour < quiet.end;
  return inside ? nextLocalHour(atMs, timeZone, quiet.end) : null;
}
