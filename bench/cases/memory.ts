import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { deletePrefix, freePort, peakRss, sleep, type PrivateRedis, type Sink } from '../lib/infra.ts';
import { seedSubscribers } from '../lib/seed.ts';
import { benchEnv, benchPrefix, dispatchMs, startStack } from '../lib/stack.ts';

/** Current RSS of a process, from /proc/<pid>/status VmRSS. */
export function currentRss(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Idle RSS, once startup has settled. Startup leaves V8's young generation grown to its maximum
 * (about 25 MB more resident) until the heap's memory reducer sees the process idle and shrinks it,
 * usually 10-20 s after the start and at most about 100 s later (V8's watchdog). So the worker is
 * sampled every second for a while, and the idle figure is the median of the last ten samples.
 */
async function idleRss(pid: number, windowMs: number): Promise<{ idle: number; samples: number[] }> {
  const samples: number[] = [];
  for (let t = 0; t < windowMs; t += 1000) {
    await sleep(1000);
    samples.push(currentRss(pid));
  }
  const last = samples.slice(-10).sort((a, b) => a - b);
  return { idle: last[Math.floor(last.length / 2)] ?? 0, samples };
}

/**
 * The V8 flags a production worker runs with: those of docker-compose.yml's worker command (the
 * Dockerfile and `npm run start:prod` carry the same; test/ops/workerFlags.test.ts checks it).
 */
export function productionWorkerFlags(): string[] {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as { services: { worker: { command: string[] } } };
  return compose.services.worker.command.filter((arg) => arg.startsWith('--'));
}

/**
 * Case 2: memory at scale, of the compiled worker (`node dist/cli/briefwire.js worker`, the
 * production build; issue 15's targets are for it). Subscribers seeded straight into Redis, one
 * dispatch through one worker process (serving its /metrics, as by default) to a sink that accepts
 * instantly. Worker idle RSS sampled after startup (above), peak RSS from /proc/<pid>/status VmHWM
 * (worker threads included); Redis bytes per subscriber and per ledger entry from INFO memory
 * deltas (the ledger hash is also measured on its own with MEMORY USAGE, since the dispatch delta
 * includes the completed deliver jobs BullMQ keeps).
 */
export async function runMemoryCase(redis: PrivateRedis, sink: Sink, o: { subscribers: number; poolSize: number; idleWindowMs: number; env?: Record<string, string>; workerEnv?: Record<string, string> }) {
  const prefix = benchPrefix();
  const before = await redis.usedMemory();
  const seedStart = performance.now();
  await seedSubscribers(redis.client, prefix, o.subscribers);
  const seedMs = performance.now() - seedStart;
  const afterSeed = await redis.usedMemory();
  console.log(`  case 2: seeded ${o.subscribers.toLocaleString('en-US')} subscribers in ${(seedMs / 1000).toFixed(1)} s`);

  const env = { SMTP_POOL_SIZE: String(o.poolSize), WORKER_PORT: String(await freePort()), ...o.env };
  const stack = await startStack(benchEnv(redis.url, prefix, sink.url, env), {
    workers: 1,
    compiledWorkers: true,
    // As production runs it: its V8 flags are part of the memory budget.
    workerNodeFlags: productionWorkerFlags(),
    workerEnv: o.workerEnv,
  });
  const worker = stack.workers[0]!.child.pid!;
  try {
    // The brief is saved (and compiled by the API) before the idle window, as an editor would.
    const briefId = await stack.createBrief();
    const { idle, samples } = await idleRss(worker, o.idleWindowMs);
    const baselineRss = peakRss(worker);
    console.log(`  case 2: worker idle RSS ${(idle / 2 ** 20).toFixed(0)} MB after ${o.idleWindowMs / 1000} s (startup peak ${(baselineRss / 2 ** 20).toFixed(0)} MB)`);
    const beforeDispatch = await redis.usedMemory();
    const { id, t0 } = await stack.dispatch(briefId);
    let lastLog = Date.now();
    const d = await stack.waitDone(id, Math.max(600_000, o.subscribers * 5), (p) => {
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        console.log(`  case 2: ${p.sent?.toLocaleString('en-US')} sent, worker peak RSS ${(peakRss(worker) / 2 ** 20).toFixed(0)} MB (${(idle / 2 ** 20).toFixed(0)} MB idle)`);
      }
    });
    const rss = peakRss(worker);
    const afterDispatch = await redis.usedMemory();
    const ledgerKey = `${prefix}:dispatch:${id}:ledger`;
    const ledgerBytes = Number(await redis.client.call('MEMORY', 'USAGE', ledgerKey, 'SAMPLES', '0'));
    const ms = dispatchMs(t0, d);
    if (d.sent !== o.subscribers) throw new Error(`sent ${d.sent} of ${o.subscribers}: ${JSON.stringify(d)}`);
    return {
      subscribers: o.subscribers,
      seedSeconds: seedMs / 1000,
      dispatchSeconds: ms / 1000,
      perSec: (o.subscribers * 1000) / ms,
      workerPeakRssBytes: rss,
      workerIdleRssBytes: idle,
      workerStartupPeakRssBytes: baselineRss,
      workerIdleRssSamples: samples,
      redisBytesPerSubscriber: (afterSeed - before) / o.subscribers,
      redisBytesPerLedgerEntry: (afterDispatch - beforeDispatch) / o.subscribers,
      ledgerHashBytesPerEntry: ledgerBytes / o.subscribers,
    };
  } finally {
    await stack.stop();
    await deletePrefix(redis.client, prefix);
  }
}
