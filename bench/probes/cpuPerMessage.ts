import { startRedis, startSink, deletePrefix } from '../lib/infra.ts';
import { cpuMs, pidsOf } from '../lib/procCpu.ts';
import { seedSubscribers } from '../lib/seed.ts';
import { benchEnv, benchPrefix, dispatchMs, profileInto, startStack } from '../lib/stack.ts';

/**
 * Where the CPU of one briefwire dispatch goes, per process, in µs per message:
 * workers, API, Redis and the sink, read from /proc before and after each send.
 * Usage: npx tsx bench/probes/cpuPerMessage.ts [recipients] [workers] [poolSize] [--cpu-prof DIR]
 * (BW_EXTRA='{"DELIVER_CONCURRENCY":"4"}' adds variables to the stack's environment)
 */
const N = Number(process.argv[2] ?? 5000);
const WORKERS = Number(process.argv[3] ?? 2);
const POOL = Number(process.argv[4] ?? 5);
const profArg = process.argv.indexOf('--cpu-prof');
if (profArg > 0) profileInto(process.argv[profArg + 1]!);

const redis = await startRedis();
const sink = await startSink();
const prefix = benchPrefix();
await seedSubscribers(redis.client, prefix, N);
const stack = await startStack(benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: String(POOL), ...(process.env.BW_EXTRA ? JSON.parse(process.env.BW_EXTRA) : {}) }), { workers: WORKERS });
const procs: Record<string, number[]> = {
  workers: stack.workers.map((w) => w.child.pid!),
  api: [stack.api!.child.pid!],
  redis: pidsOf(`redis-server.*:${new URL(redis.url).port}`),
  sink: pidsOf(`smtp-sink.*:${sink.port}`),
};
const snapshot = () => Object.fromEntries(Object.entries(procs).map(([k, pids]) => [k, pids.reduce((s, p) => s + cpuMs(p), 0)]));
try {
  await stack.waitDone((await stack.dispatch(await stack.createBrief())).id, 300_000); // warm-up
  for (let rep = 0; rep < 3; rep++) {
    const before = snapshot();
    const { id, t0 } = await stack.dispatch(await stack.createBrief());
    const d = await stack.waitDone(id, 300_000);
    const after = snapshot();
    const per = Object.entries(after).map(([k, v]) => `${k} ${Math.round(((v - before[k]!) * 1000) / N)} µs`);
    console.log(`${Math.round((N * 1000) / dispatchMs(t0, d))}/s   CPU per message: ${per.join(', ')}`);
  }
} finally {
  await stack.stop();
  await deletePrefix(redis.client, prefix);
  await sink.stop();
  await redis.stop();
}
