import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { createCounterDeltas, type CounterSource } from './counterDeltas.ts';
import { field, type OpsSeries } from './series.ts';

/** How often a process adds what it counted into the ops series (the charts are per minute). */
export const OPS_SAMPLE_MS = 10_000;

/** The counters the charts read: emails by lane and outcome, feedback by kind (summed over sources). */
export const emailSource = (metrics: Metrics): CounterSource => ({
  counter: metrics.emails,
  field: (l) => (l.lane && l.outcome ? field.emails(String(l.lane), String(l.outcome)) : null),
});
export const feedbackSource = (metrics: Metrics): CounterSource => ({
  counter: metrics.feedback,
  field: (l) => (l.kind ? field.feedback(String(l.kind)) : null),
});

export interface SeriesSamplerDeps {
  series: OpsSeries;
  /** This process's counters: their gains are added into the minute. */
  counters: CounterSource[];
  /** Levels read each tick (queue depth, progress): set, not added. */
  levels?: () => Promise<Record<string, number>>;
  logger: Logger;
}

/**
 * One process's share of the ops series: every tick, what its counters gained
 * and the levels it reads go into the current minute in one pipeline. One
 * sampler per metrics registry, or its gains are counted twice.
 */
export function startSeriesSampler(deps: SeriesSamplerDeps, everyMs = OPS_SAMPLE_MS) {
  const deltas = createCounterDeltas(deps.counters);
  let failing = false;
  const tick = async () => {
    try {
      const add = await deltas.pending();
      await deps.series.write({ add, set: deps.levels ? await deps.levels() : {} });
      // Only a written gain stops being owed: after a failed write it goes into the next tick's minute.
      deltas.commit(add);
      if (failing) deps.logger.info({ code: 'OPS_SAMPLE_RECOVERED' }, 'ops charts: samples are being written again');
      failing = false;
    } catch (e) {
      if (!failing) deps.logger.warn({ code: 'OPS_SAMPLE_FAILED', err: (e as Error).message }, 'ops charts: sample not written; counts are kept for the next try');
      failing = true;
    }
  };
  let running: Promise<void> | null = null;
  const run = () => (running ??= tick().finally(() => (running = null)));
  void run();
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return {
    /** Writes one sample now (the timer's next tick still comes). */
    sample: run,
    /**
     * Stops the timer and writes a last sample, so what was counted since the
     * last tick is not lost; bounded, since a worker's commands wait out a Redis outage.
     */
    async stop(waitMs = 2_000) {
      clearInterval(timer);
      const last = (async () => {
        await running;
        await tick();
      })();
      await Promise.race([last, new Promise<void>((r) => setTimeout(r, waitMs).unref())]);
    },
  };
}
