import { randomBytes } from 'node:crypto';
import { deletePrefix, sleep, startSink, type PrivateRedis } from '../lib/infra.ts';
import { seedSubscribers } from '../lib/seed.ts';
import { benchEnv, benchPrefix, startStack } from '../lib/stack.ts';
import { percentile } from '../lib/stats.ts';

/**
 * Case 4: lane isolation. While a big dispatch is sending, readers sign up
 * (POST /subscribe over HTTP, a few per second); the smtp-server sink in a
 * child process timestamps each confirmation's arrival. Latency is POST ->
 * arrival. Confirmations ride the "mail" queue; they must not wait behind
 * the deliver queue's batches.
 */
export async function runLanesCase(redis: PrivateRedis, o: { recipients: number; workers: number; poolSize: number; probeEveryMs: number; reps: number }) {
  const tag = randomBytes(3).toString('hex');
  const watch = `lane-${tag}-`;
  const sink = await startSink({ prefer: 'node', watch });
  const prefix = benchPrefix();
  await seedSubscribers(redis.client, prefix, o.recipients);
  const stack = await startStack(
    benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: String(o.poolSize), SIGNUP_LIMIT_PER_IP: '100000000', SIGNUP_LIMIT_GLOBAL: '100000000' }),
    { workers: o.workers },
  );
  const sentAt = new Map<string, number>();
  const during: { dispatchSeconds: number; bulkPerSec: number }[] = [];
  let n = 0;
  try {
    for (let rep = 0; rep < o.reps; rep++) {
      const briefId = await stack.createBrief();
      const { id, t0 } = await stack.dispatch(briefId);
      let done = false;
      let status: any = {};
      const poller = stack.waitDone(id, 900_000, (d) => (status = d)).then((d) => {
        done = true;
        return d;
      });
      // Probe only while the bulk send is really going on.
      while (!done && !(status.sent > 0)) await sleep(20);
      while (!done) {
        const email = `${watch}${n++}@bench.example.org`;
        sentAt.set(email, Date.now());
        const res = await fetch(`${stack.apiUrl}/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        });
        if (res.status !== 202) throw new Error(`POST /subscribe answered ${res.status}: ${await res.text()}`);
        await sleep(o.probeEveryMs);
      }
      const d = await poller;
      const ms = Date.parse(d.finishedAt) - t0;
      during.push({ dispatchSeconds: ms / 1000, bulkPerSec: (o.recipients * 1000) / ms });
      console.log(`  case 4 rep ${rep + 1}/${o.reps}: ${o.recipients.toLocaleString('en-US')} sent in ${(ms / 1000).toFixed(1)} s; ${sentAt.size} signups so far`);
    }
    // Stragglers: give the last confirmations a few seconds to land.
    for (let i = 0; i < 100 && sink.arrivals.size < sentAt.size; i++) await sleep(100);
  } finally {
    await stack.stop();
    await sink.stop();
    await deletePrefix(redis.client, prefix);
  }
  const latencies: number[] = [];
  let missing = 0;
  for (const [email, t] of sentAt) {
    const at = sink.arrivals.get(email);
    if (at === undefined) missing++;
    else latencies.push(at - t);
  }
  return {
    recipients: o.recipients,
    sink: sink.kind,
    signups: sentAt.size,
    arrived: latencies.length,
    missing,
    p50Ms: percentile(latencies, 50),
    p99Ms: missing ? Infinity : percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    during,
  };
}
