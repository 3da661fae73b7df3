import { deletePrefix, freePort, peakRss, startRedis, startSink } from '../lib/infra.ts';
import { seedSubscribers } from '../lib/seed.ts';
import { benchEnv, benchPrefix, startStack } from '../lib/stack.ts';
import { currentRss, productionWorkerFlags } from '../cases/memory.ts';

/**
 * When a compiled worker's memory peaks during one dispatch: RSS and the
 * dispatch's progress every 500 ms. Usage:
 * npx tsx bench/probes/memoryTimeline.ts [subscribers] [node flags, space-separated] (default: production's, from docker-compose.yml)
 */
const N = Number(process.argv[2] ?? 100_000);
const nodeFlags = process.argv[3] !== undefined ? process.argv[3].split(/\s+/).filter(Boolean) : productionWorkerFlags();
const rssOf = (pid: number) => currentRss(pid) / 2 ** 20;

const redis = await startRedis();
const sink = await startSink();
const prefix = benchPrefix();
await seedSubscribers(redis.client, prefix, N);
const env = benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: '5', WORKER_PORT: String(await freePort()) });
const stack = await startStack(env, { workers: 1, compiledWorkers: true, workerNodeFlags: nodeFlags });
const pid = stack.workers[0]!.child.pid!;
try {
  const briefId = await stack.createBrief();
  await new Promise((r) => setTimeout(r, 20_000));
  console.log(`node ${nodeFlags.join(' ')}: idle ${rssOf(pid).toFixed(0)} MB`);
  const { id } = await stack.dispatch(briefId);
  const t0 = Date.now();
  let line = '';
  const d = await stack.waitDone(id, 900_000, (p) => {
    const s = `${((Date.now() - t0) / 1000).toFixed(0)}s ${rssOf(pid).toFixed(0)}MB ${p.planned ? 'P' : 'p'}${p.sent}`;
    if (s.split(' ')[0] !== line.split(' ')[0]) console.log((line = s));
  });
  console.log(`sent ${d.sent}, peak ${(peakRss(pid) / 2 ** 20).toFixed(0)} MB`);
} finally {
  await stack.stop();
  await deletePrefix(redis.client, prefix);
  await redis.stop?.();
  await sink.stop?.();
}
