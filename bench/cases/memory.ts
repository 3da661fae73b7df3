import { deletePrefix, peakRss, type PrivateRedis, type Sink } from '../lib/infra.ts';
import { seedSubscribers } from '../lib/seed.ts';
import { benchEnv, benchPrefix, dispatchMs, startStack } from '../lib/stack.ts';

/**
 * Case 2: memory at scale. Subscribers seeded straight into Redis, one
 * dispatch through one worker process to a sink that accepts instantly.
 * Worker peak RSS from /proc/<pid>/status VmHWM; Redis bytes per subscriber
 * and per ledger entry from INFO memory deltas (the ledger hash is also
 * measured on its own with MEMORY USAGE, since the dispatch delta includes
 * the completed deliver jobs BullMQ keeps).
 */
export async function runMemoryCase(redis: PrivateRedis, sink: Sink, o: { subscribers: number; poolSize: number; env?: Record<string, string> }) {
  const prefix = benchPrefix();
  const before = await redis.usedMemory();
  const seedStart = performance.now();
  await seedSubscribers(redis.client, prefix, o.subscribers);
  const seedMs = performance.now() - seedStart;
  const afterSeed = await redis.usedMemory();
  console.log(`  case 2: seeded ${o.subscribers.toLocaleString('en-US')} subscribers in ${(seedMs / 1000).toFixed(1)} s`);

  const stack = await startStack(benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: String(o.poolSize), ...o.env }), { workers: 1 });
  const worker = stack.workers[0]!.child.pid!;
  try {
    const baselineRss = peakRss(worker);
    const briefId = await stack.createBrief();
    const beforeDispatch = await redis.usedMemory();
    const { id, t0 } = await stack.dispatch(briefId);
    let lastLog = Date.now();
    const d = await stack.waitDone(id, Math.max(600_000, o.subscribers * 5), (p) => {
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        console.log(`  case 2: ${p.sent?.toLocaleString('en-US')} sent, worker peak RSS ${(peakRss(worker) / 2 ** 20).toFixed(0)} MB (${(baselineRss / 2 ** 20).toFixed(0)} MB idle after start)`);
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
      workerStartupPeakRssBytes: baselineRss,
      redisBytesPerSubscriber: (afterSeed - before) / o.subscribers,
      redisBytesPerLedgerEntry: (afterDispatch - beforeDispatch) / o.subscribers,
      ledgerHashBytesPerEntry: ledgerBytes / o.subscribers,
    };
  } finally {
    await stack.stop();
    await deletePrefix(redis.client, prefix);
  }
}
