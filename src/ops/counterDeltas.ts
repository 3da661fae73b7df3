import type { Counter } from 'prom-client';

/** A labelled counter's series, mapped to a series field; null leaves a label set out. */
export interface CounterSource {
  counter: Pick<Counter<string>, 'get'>;
  field(labels: Record<string, string | number | undefined>): string | null;
}

export interface CounterDeltas {
  /** What the counters gained since the last commit, per field (only fields that moved). */
  pending(): Promise<Record<string, number>>;
  /** Marks `pending` as written: only then does it stop being owed, so a failed write is retried next time. */
  commit(written: Record<string, number>): void;
}

/**
 * Turns this process's prom-client counters (running totals since it started)
 * into per-interval gains for the ops series. Reading the counters costs the
 * send path nothing: no Redis write per message, one per sampler tick.
 * Totals start from zero, as the counters do, so nothing counted before the
 * sampler's first tick is lost.
 */
export function createCounterDeltas(sources: CounterSource[]): CounterDeltas {
  const written = new Map<string, number>();
  return {
    async pending() {
      const totals = new Map<string, number>();
      for (const source of sources) {
        for (const v of (await source.counter.get()).values) {
          const f = source.field(v.labels);
          if (f) totals.set(f, (totals.get(f) ?? 0) + v.value);
        }
      }
      const out: Record<string, number> = {};
      for (const [f, total] of totals) {
        // A total below what was written means the registry was reset: count again from zero.
        const base = written.get(f) ?? 0;
        const gain = total >= base ? total - base : total;
        if (total < base) written.set(f, 0);
        if (gain > 0) out[f] = gain;
      }
      return out;
    },
    commit(gains) {
      for (const [f, n] of Object.entries(gains)) written.set(f, (written.get(f) ?? 0) + n);
    },
  };
}
