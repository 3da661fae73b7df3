import type { Logger } from '../src/logger.ts';
import type { Metrics } from '../src/metrics.ts';
import type { Queues } from '../src/queue/queues.ts';
import type { DispatchStore } from '../src/dispatch/store.ts';
import { isCharted, toDispatchProgress } from '../src/ops/chartData.ts';
import { queueDepths } from '../src/ops/queueDepth.ts';
import { emailSource, feedbackSource, OPS_SAMPLE_MS, startSeriesSampler } from '../src/ops/sampler.ts';
import { field, type OpsSeries } from '../src/ops/series.ts';

/** Recent dispatches looked at for progress lines each tick. */
const RECENT_DISPATCHES = 10;

export interface OpsSamplerDeps {
  series: OpsSeries;
  metrics: Metrics;
  queues: Queues;
  dispatches: DispatchStore;
  logger: Logger;
}

/**
 * A worker's share of the ops charts: every tick (10 s) what its counters
 * gained (emails by lane and outcome, feedback by kind), the queues' depth and
 * the progress of dispatches under way, written into the current minute in
 * one pipeline. The send path writes nothing for it.
 */
export function startOpsSampler(deps: OpsSamplerDeps, everyMs = OPS_SAMPLE_MS) {
  const levels = async () => {
    const set: Record<string, number> = {};
    for (const [name, n] of Object.entries(await queueDepths(deps.queues))) set[field.queue(name)] = n;
    const now = Date.now();
    for (const d of await deps.dispatches.list(RECENT_DISPATCHES)) if (isCharted(d, now)) set[field.progress(d.id)] = toDispatchProgress(d).progress;
    return set;
  };
  return startSeriesSampler({ series: deps.series, counters: [emailSource(deps.metrics), feedbackSource(deps.metrics)], levels, logger: deps.logger }, everyMs);
}
