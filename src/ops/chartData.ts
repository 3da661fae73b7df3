import type { Dispatch } from '../dispatch/model.ts';
import type { SmtpFailureKind } from '../mail/smtpFailure.ts';
import { field, type MinuteBucket } from './series.ts';

/** Failure classes always charted (at 0 when quiet), so the legend does not change under the reader's eyes. */
export const FAILURE_CLASSES = ['transient', 'throttled', 'bounce', 'refused', 'uncertain'] as const satisfies readonly SmtpFailureKind[];
export const LANES = ['bulk', 'transactional'] as const;
/** The feedback kinds the charts show; unsubscribes and deliveries have their own counters on /metrics. */
export const CHARTED_FEEDBACK = ['hard-bounce', 'soft-bounce', 'complaint'] as const;
/** Rates are taken over the trailing hour: complaints come in long after the send, so a minute's own sends are no base. */
export const RATE_WINDOW_MINUTES = 60;
/** Progress lines for at most this many dispatches (the newest). */
const MAX_PROGRESS_LINES = 8;
const IN_FLIGHT = new Set(['planning', 'sending', 'paused']);

/** One recent dispatch as the ops page shows it (read from the dispatch store at page time). */
export interface DispatchProgress {
  id: string;
  briefId: string;
  status: string;
  total: number;
  settled: number;
  sent: number;
  failed: number;
  suppressed: number;
  uncertain: number;
  bounced: number;
  complained: number;
  /** Share of the audience settled, 0..1. */
  progress: number;
  bounceRate: number;
  complaintRate: number;
}

export interface OpsChartData {
  minutes: number;
  /** Each minute's start in seconds since the epoch: the charts' x axis. */
  t: number[];
  /** Copies accepted by the relay per minute, by lane. */
  sent: Record<(typeof LANES)[number], number[]>;
  /** Failed attempts per minute, by class, both lanes. */
  failures: Record<string, number[]>;
  /** Jobs waiting or running per queue (null: no worker looked that minute); the current minute is read live. */
  queues: Record<string, (number | null)[]>;
  feedback: Record<(typeof CHARTED_FEEDBACK)[number], number[]>;
  /** Over the trailing hour: hard bounces and complaints per bulk copy sent (null while nothing was sent). */
  rates: { bounce: (number | null)[]; complaint: (number | null)[] };
  /** Share settled per dispatch per minute (null: not sending then); the current minute is read live. */
  progress: Record<string, (number | null)[]>;
  dispatches: DispatchProgress[];
  generatedAt: string;
}

/** Per copy sent, to six places (0 while nothing is): the same figures as the dispatch page's. */
const share = (n: number, sent: number) => (sent > 0 ? Math.round((n / sent) * 1e6) / 1e6 : 0);

export function toDispatchProgress(d: Dispatch): DispatchProgress {
  const settled = d.sent + d.failed + d.suppressed + d.uncertain;
  return {
    id: d.id,
    briefId: d.briefId,
    status: d.status,
    total: d.total,
    settled,
    sent: d.sent,
    failed: d.failed,
    suppressed: d.suppressed,
    uncertain: d.uncertain,
    bounced: d.bounced,
    complained: d.complained,
    progress: d.total ? Math.min(settled / d.total, 1) : d.status === 'done' ? 1 : 0,
    bounceRate: share(d.bounced, d.sent),
    complaintRate: share(d.complained, d.sent),
  };
}

/** Dispatches whose progress is sampled: those under way, and those that ended in the last two minutes (so their line reaches its end). */
export const isCharted = (d: Dispatch, now = Date.now()) =>
  IN_FLIGHT.has(d.status) || (d.finishedAt !== undefined && now - Date.parse(d.finishedAt) < 2 * 60_000);

const dispatchNumber = (id: string) => Number(/\d+/.exec(id)?.[0] ?? 0);

/**
 * Shapes the stored minutes into the ops charts' data. `buckets` is oldest
 * first and may start up to RATE_WINDOW_MINUTES - 1 before the window, so the
 * first minutes shown get a full hour for their rates.
 */
export function buildOpsChartData(input: {
  buckets: { minute: number; bucket: MinuteBucket }[];
  minutes: number;
  queueNames: readonly string[];
  live: { queues: Record<string, number>; dispatches: DispatchProgress[] };
  now?: Date;
}): OpsChartData {
  const { buckets, queueNames, live } = input;
  const minutes = Math.min(input.minutes, buckets.length);
  const skip = buckets.length - minutes;
  const shown = buckets.slice(skip);
  const last = shown.length - 1;
  const sumOf = (b: MinuteBucket, match: (f: string) => boolean) => Object.entries(b).reduce((n, [f, v]) => (match(f) ? n + v : n), 0);
  const seriesOf = (value: (b: MinuteBucket) => number) => shown.map(({ bucket }) => value(bucket));

  const sent = Object.fromEntries(LANES.map((lane) => [lane, seriesOf((b) => b[field.emails(lane, 'sent')] ?? 0)])) as OpsChartData['sent'];

  const classes = new Set<string>(FAILURE_CLASSES);
  for (const { bucket } of shown) {
    for (const f of Object.keys(bucket)) {
      const outcome = /^emails:[^:]+:(.+)$/.exec(f)?.[1];
      if (outcome && outcome !== 'sent' && outcome !== 'suppressed') classes.add(outcome);
    }
  }
  const failures = Object.fromEntries([...classes].map((c) => [c, seriesOf((b) => sumOf(b, (f) => f.startsWith('emails:') && f.endsWith(`:${c}`)))]));

  const queues = Object.fromEntries(
    queueNames.map((q) => {
      const s = shown.map(({ bucket }) => bucket[field.queue(q)] ?? null);
      if (last >= 0 && live.queues[q] !== undefined) s[last] = live.queues[q]!;
      return [q, s];
    }),
  );

  const feedback = Object.fromEntries(CHARTED_FEEDBACK.map((k) => [k, seriesOf((b) => b[field.feedback(k)] ?? 0)])) as OpsChartData['feedback'];

  // Trailing sums over the whole read (window plus the hour before it), then cut to the window.
  const trailing = (value: (b: MinuteBucket) => number) => {
    const out: number[] = [];
    let sum = 0;
    buckets.forEach(({ bucket }, i) => {
      sum += value(bucket);
      if (i >= RATE_WINDOW_MINUTES) sum -= value(buckets[i - RATE_WINDOW_MINUTES]!.bucket);
      out.push(sum);
    });
    return out.slice(skip);
  };
  const bulkSent = trailing((b) => b[field.emails('bulk', 'sent')] ?? 0);
  const rateOf = (counts: number[]) => counts.map((n, i) => (bulkSent[i]! > 0 ? Math.round((n / bulkSent[i]!) * 1e6) / 1e6 : null));
  const rates = { bounce: rateOf(trailing((b) => b[field.feedback('hard-bounce')] ?? 0)), complaint: rateOf(trailing((b) => b[field.feedback('complaint')] ?? 0)) };

  const ids = new Set<string>();
  for (const { bucket } of shown) for (const f of Object.keys(bucket)) if (f.startsWith('progress:')) ids.add(f.slice('progress:'.length));
  for (const d of live.dispatches) if (IN_FLIGHT.has(d.status)) ids.add(d.id);
  const lines = [...ids].sort((a, b) => dispatchNumber(b) - dispatchNumber(a)).slice(0, MAX_PROGRESS_LINES).reverse();
  const progress = Object.fromEntries(
    lines.map((id) => {
      const s = shown.map(({ bucket }) => bucket[field.progress(id)] ?? null);
      const now = live.dispatches.find((d) => d.id === id);
      if (now && last >= 0 && (IN_FLIGHT.has(now.status) || s[last] !== null)) s[last] = now.progress;
      return [id, s];
    }),
  );

  return {
    minutes,
    t: shown.map(({ minute }) => minute * 60),
    sent,
    failures,
    queues,
    feedback,
    rates,
    progress,
    dispatches: live.dispatches,
    generatedAt: (input.now ?? new Date()).toISOString(),
  };
}
