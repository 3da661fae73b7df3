import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { startSink } from '../lib/infra.ts';
import { cpuMs, pidsOf } from '../lib/procCpu.ts';
import { seedMessage } from '../lib/brief.ts';
import { pooledRaw, smtpConnectionLoop } from '../cases/dispatch.ts';

/**
 * CPU per message of case 1's ceilings, for comparison with cpuPerMessage.ts:
 * (e) the SMTPConnection loop and (f) the pooled transport with envelope+raw,
 * both sending briefwire's rendered bulk message; this process and the sink.
 * Usage: npx tsx bench/probes/cpuPerMessageCeiling.ts [recipients] [connections] [--cpu-prof]
 * (--cpu-prof: one V8 profile of (e) in bench/results/profiles/ceiling-e.cpuprofile)
 */
const N = Number(process.argv[2] ?? 20000);
const CONNECTIONS = Number(process.argv[3] ?? 10);
const prof = process.argv.includes('--cpu-prof');

const sink = await startSink();
const sinkPids = pidsOf(`smtp-sink.*:${sink.port}`);
const m = await seedMessage();
const self = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sinkMs = () => sinkPids.reduce((s, p) => s + cpuMs(p), 0);
try {
  await smtpConnectionLoop(sink, m, 500, CONNECTIONS); // warm-up
  await pooledRaw(sink, m, 500, CONNECTIONS);
  for (const [name, run] of [['(e) SMTPConnection loop', smtpConnectionLoop], ['(f) pooled envelope+raw', pooledRaw]] as const) {
    for (let rep = 0; rep < 3; rep++) {
      const b = { self: self(), sink: sinkMs() };
      const ms = await run(sink, m, N, CONNECTIONS);
      console.log(`${name}: ${Math.round((N * 1000) / ms)}/s   CPU per message: bench process ${Math.round(((self() - b.self) * 1000) / N)} µs, sink ${Math.round(((sinkMs() - b.sink) * 1000) / N)} µs`);
    }
  }
  if (prof) {
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await smtpConnectionLoop(sink, m, N, CONNECTIONS);
    const { profile } = await session.post('Profiler.stop');
    const dir = fileURLToPath(new URL('../results/profiles/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}ceiling-e.cpuprofile`, JSON.stringify(profile));
    console.log(`profile: ${dir}ceiling-e.cpuprofile`);
  }
} finally {
  await sink.stop();
}
