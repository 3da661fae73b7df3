import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { deletePrefix, freePort, type PrivateRedis, type Sink } from '../lib/infra.ts';
import { benchEnv, benchPrefix, startStack } from '../lib/stack.ts';
import { median } from '../lib/stats.ts';

/**
 * Case 3: POST /subscribe (briefwire's API process: validation, rate limits,
 * the signup Lua script, the confirmation job) vs a bare Fastify route doing
 * one Redis SET, under the same autocannon load, alternating per repetition.
 * Every request carries a new address, so briefwire does a real signup each time.
 */

const BARE = fileURLToPath(new URL('../lib/bareServer.ts', import.meta.url));

interface Run {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function cannon(url: string, path: string, seconds: number, connections: number): Promise<Run> {
  const tag = randomBytes(3).toString('hex');
  let n = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: JSON.stringify({ email: `signup-${tag}-${n++}@bench.example.org`, topics: ['Russia'] }) }),
      },
    ],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

export async function startBare(redisUrl: string, prefix: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', BARE, String(port), redisUrl, prefix], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`bare server exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function runSignupCase(redis: PrivateRedis, sink: Sink, o: { seconds: number; reps: number; connections: number }) {
  const prefix = benchPrefix();
  // No workers: the signup request's own work is measured, not the confirmation send after it.
  const stack = await startStack(benchEnv(redis.url, prefix, sink.url, { SIGNUP_LIMIT_PER_IP: '100000000', SIGNUP_LIMIT_GLOBAL: '100000000' }), { workers: 0 });
  const bare = await startBare(redis.url, prefix);
  const runs = { briefwire: [] as Run[], bare: [] as Run[] };
  try {
    // Warm-up (JIT, connections), not counted.
    await cannon(stack.apiUrl, '/subscribe', 1, o.connections);
    await cannon(bare.url, '/set', 1, o.connections);
    for (let rep = 0; rep < o.reps; rep++) {
      runs.briefwire.push(await cannon(stack.apiUrl, '/subscribe', o.seconds, o.connections));
      runs.bare.push(await cannon(bare.url, '/set', o.seconds, o.connections));
      const [a, b] = [runs.briefwire.at(-1)!, runs.bare.at(-1)!];
      console.log(`  case 3 rep ${rep + 1}/${o.reps}: /subscribe ${Math.round(a.rps)} req/s p99 ${a.p99} ms; bare SET ${Math.round(b.rps)} req/s p99 ${b.p99} ms`);
    }
  } finally {
    await bare.stop();
    await stack.stop();
    await deletePrefix(redis.client, prefix);
  }
  const summary = (rs: Run[]) => ({
    rps: median(rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
    errors: rs.reduce((s, r) => s + r.errors, 0),
  });
  return { seconds: o.seconds, connections: o.connections, runs, briefwire: summary(runs.briefwire), bare: summary(runs.bare) };
}
