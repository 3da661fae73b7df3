import { startRedis, startSink, deletePrefix } from '../lib/infra.ts';
import { cpuMs, pidsOf } from '../lib/procCpu.ts';
import { benchEnv, benchPrefix, startStack } from '../lib/stack.ts';
import { cannon, startBare } from '../cases/signup.ts';

/**
 * Where the CPU of a signup goes, per process, in µs per request: the API (or
 * the bare SET server), Redis and the load generator, read from /proc around
 * alternating autocannon runs. Usage: npx tsx bench/probes/cpuPerSignup.ts [seconds]
 */
const SECONDS = Number(process.argv[2] ?? 5);

const redis = await startRedis();
const sink = await startSink();
const prefix = benchPrefix();
const stack = await startStack(benchEnv(redis.url, prefix, sink.url, { SIGNUP_LIMIT_PER_IP: '100000000', SIGNUP_LIMIT_GLOBAL: '100000000' }), { workers: 0 });
const bare = await startBare(redis.url, prefix);
const redisPid = pidsOf(`redis-server.*:${new URL(redis.url).port}`)[0]!;
const barePid = pidsOf(`bareServer.ts ${new URL(bare.url).port}`)[0]!;
async function measure(name: string, url: string, path: string, serverPid: number) {
  const before = { server: cpuMs(serverPid), redis: cpuMs(redisPid), load: process.cpuUsage() };
  const r = await cannon(url, path, SECONDS, 20);
  const load = process.cpuUsage(before.load);
  const n = r.rps * SECONDS;
  const per = (ms: number) => Math.round((ms * 1000) / n);
  console.log(`${name}: ${Math.round(r.rps)} req/s p99 ${r.p99} ms; CPU per request: server ${per(cpuMs(serverPid) - before.server)} µs, redis ${per(cpuMs(redisPid) - before.redis)} µs, autocannon ${per((load.user + load.system) / 1000)} µs`);
}
try {
  await cannon(stack.apiUrl, '/subscribe', 1, 20);
  await cannon(bare.url, '/set', 1, 20);
  for (let rep = 0; rep < 2; rep++) {
    await measure('/subscribe', stack.apiUrl, '/subscribe', stack.api!.child.pid!);
    await measure('bare SET  ', bare.url, '/set', barePid);
  }
} finally {
  await bare.stop();
  await stack.stop();
  await deletePrefix(redis.client, prefix);
  await sink.stop();
  await redis.stop();
}
