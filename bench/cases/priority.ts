import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keyspace } from '../../src/redis/keys.ts';
import { deletePrefix, sleep, startSink, type PrivateRedis } from '../lib/infra.ts';
import { benchEnv, benchPrefix, startStack, type Stack } from '../lib/stack.ts';
import { percentile } from '../lib/stats.ts';

/**
 * Case 6: urgency. A breaking dispatch to its own readers, timed from the API
 * call to each copy's arrival at the sink (the relay's acceptance: the
 * smtp-server sink in a child process timestamps each watched recipient),
 * (a) alone, and (b) started while a large routine dispatch to other readers
 * is sending. Its batches go ahead of the routine ones waiting (BullMQ
 * priorities), so (b) should cost little more than the routine batches
 * already in progress. Alone and contended alternate within each repetition.
 */

export interface PriorityCaseOptions {
  routine: number;
  breaking: number;
  workers: number;
  poolSize: number;
  reps: number;
}

/** Routine readers (ids 1..routine) pick Russia, breaking readers (after them) Ukraine: two audiences that never meet. */
async function seedAudiences(redis: Redis, prefix: string, o: { routine: number; breaking: number; breakingAddress: (id: number) => string }) {
  const keys = keyspace(prefix);
  const now = new Date().toISOString();
  const n = o.routine + o.breaking;
  for (let start = 1; start <= n; start += 2000) {
    const pipe = redis.pipeline();
    const scored: (string | number)[] = [];
    const topics: string[] = [];
    for (let id = start; id <= Math.min(n, start + 1999); id++) {
      const sid = String(id);
      const breaking = id > o.routine;
      const email = breaking ? o.breakingAddress(id) : `routine${id}@bench.example.org`;
      const t = breaking ? 'Ukraine' : 'Russia';
      pipe.hset(keys.subscriber(sid), 'id', sid, 'email', email, 'identity', email, 'name', '', 'status', 'active', 'topics', t, 'createdAt', now, 'updatedAt', now, 'confirmedAt', now);
      scored.push(id, sid);
      topics.push(sid, t);
    }
    pipe.zadd(keys.allSubscribers, ...scored).zadd(keys.activeSubscribers, ...scored).hset(keys.activeTopics, ...topics);
    await pipe.exec();
  }
  await redis.set(keys.subscriberSeq, n);
}

export interface Latency {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  arrived: number;
}

export async function runPriorityCase(redis: PrivateRedis, o: PriorityCaseOptions) {
  const watch = `brk-${randomBytes(3).toString('hex')}-`;
  const sink = await startSink({ prefer: 'node', watch });
  const prefix = benchPrefix();
  await seedAudiences(redis.client, prefix, { ...o, breakingAddress: (id) => `${watch}${id}@bench.example.org` });
  const stack = await startStack(benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: String(o.poolSize) }), { workers: o.workers });
  const alone: Latency[] = [];
  const during: Latency[] = [];
  const routineLeft: number[] = [];
  try {
    for (let rep = 0; rep < o.reps; rep++) {
      // Which goes first alternates, so a drift of the machine's load hits both alike.
      for (const contended of rep % 2 ? [true, false] : [false, true]) {
        if (!contended) {
          alone.push(await timedBreaking(stack, sink.arrivals, o.breaking));
          continue;
        }
        const routineBrief = await stack.createBrief({ title: `Routine ${rep}`, topics: ['Russia'] });
        const { id: routine } = await stack.dispatch(routineBrief);
        // Sending steadily, with most of its batches still waiting.
        const started = Math.min(5_000, Math.floor(o.routine / 10));
        const progress = async () => (await stack.request('GET', `/api/dispatches/${routine}`)).json as { total: number; sent: number; batches: number; batchesDone: number };
        while ((await progress()).sent < started) await sleep(50);
        during.push(await timedBreaking(stack, sink.arrivals, o.breaking));
        const d = await progress();
        routineLeft.push(d.total - d.sent);
        await stack.request('POST', `/api/dispatches/${routine}/cancel`);
        // The cancelled send's remaining jobs complete without sending; let them drain before the next run.
        for (let x = await progress(); x.batchesDone < x.batches; x = await progress()) await sleep(100);
      }
      console.log(`  case 6 rep ${rep + 1}/${o.reps}: breaking p95 alone ${alone.at(-1)!.p95Ms} ms, during routine ${during.at(-1)!.p95Ms} ms (routine left ${routineLeft.at(-1)})`);
    }
  } finally {
    await stack.stop();
    await sink.stop();
    await deletePrefix(redis.client, prefix);
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const summary = (runs: Latency[]) => ({ p50Ms: med(runs.map((r) => r.p50Ms)), p95Ms: med(runs.map((r) => r.p95Ms)), maxMs: med(runs.map((r) => r.maxMs)) });
  return { routine: o.routine, breaking: o.breaking, alone: summary(alone), during: summary(during), runs: { alone, during }, routineLeft, sink: sink.kind };
}

/** One breaking dispatch: POST (t0) to each watched copy's arrival at the sink. */
async function timedBreaking(stack: Stack, arrivals: Map<string, number>, n: number): Promise<Latency> {
  const briefId = await stack.createBrief({ title: 'Breaking', topics: ['Ukraine'] });
  arrivals.clear();
  const t0 = Date.now();
  const res = await stack.request('POST', `/api/briefs/${briefId}/dispatches`, { priority: 'breaking' });
  if (res.status !== 202) throw new Error(`breaking dispatch not accepted (${res.status}): ${JSON.stringify(res.json)}`);
  await stack.waitDone(res.json.id as string, 600_000);
  for (let i = 0; i < 100 && arrivals.size < n; i++) await sleep(50);
  const latencies = [...arrivals.values()].map((t) => t - t0);
  return { p50Ms: percentile(latencies, 50), p95Ms: arrivals.size < n ? Infinity : percentile(latencies, 95), maxMs: Math.max(...latencies), arrived: arrivals.size };
}
