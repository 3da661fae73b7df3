/** Fuzz run counts: FUZZ_RUNS for everything (the long run: FUZZ_RUNS=100000 npx vitest run test/fuzz). */
export function fuzzRuns(fallback: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Generous time limit for a fuzz run: the file's own timeout grows with the run count. */
export const fuzzTimeout = (runs: number, perRunMs: number) => 60_000 + runs * perRunMs;

/** No single request may take longer than this: a hang or a ReDoS shows up here, not as a CI timeout. */
export const MAX_CALL_MS = 2_000;
