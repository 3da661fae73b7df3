import { fileURLToPath } from 'node:url';
import { profileInto } from './lib/stack.ts';
import { startRedis, startSink, machineInfo, type Sink } from './lib/infra.ts';
import { num, printTable, writeResults, type Row } from './lib/report.ts';
import { LIMITS } from './lib/limits.ts';
import { runDispatchCase } from './cases/dispatch.ts';
import { runMemoryCase } from './cases/memory.ts';
import { runSignupCase } from './cases/signup.ts';
import { runLanesCase } from './cases/lanes.ts';
import { runRenderCase } from './cases/render.ts';
import { runPriorityCase } from './cases/priority.ts';

/**
 * `npm run bench [-- --quick] [--only 1,3] [--cpu-prof]`: the five cases of issue 7 (and case 6, issue 17's urgency) on a
 * private Redis and a local SMTP sink, comparisons interleaved per
 * repetition, medians reported. Not part of `npm test`.
 */

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? new Set((onlyArg.split('=')[1] ?? args[args.indexOf(onlyArg) + 1] ?? '').split(',').map(Number)) : null;
const want = (n: number) => !only || only.has(n);
if (args.includes('--cpu-prof')) {
  const dir = fileURLToPath(new URL('./results/profiles/', import.meta.url));
  profileInto(dir);
  console.log(`CPU profiles of the briefwire processes go to ${dir} (summarize: npx tsx bench/profileSummary.ts <file>)`);
}

const P = quick
  ? { reps: 3, recipients: 1_000, naive: 30, memory: 20_000, idleWindowMs: 30_000, signupSeconds: 2, lanes: 5_000, lanesReps: 1, compiles: 5, splices: 20_000, routine: 10_000, breaking: 2_000 }
  : { reps: 3, recipients: 20_000, naive: 200, memory: 1_000_000, idleWindowMs: 60_000, signupSeconds: 10, lanes: 100_000, lanesReps: 3, compiles: 20, splices: 200_000, routine: 100_000, breaking: 20_000 };
const WORKERS = 2;
const POOL = 5;

const startedAt = new Date().toISOString();
console.log(`briefwire benchmarks, ${quick ? 'quick' : 'full'} mode${only ? ` (cases ${[...only].join(',')})` : ''}`);
const redis = await startRedis();
let sink: Sink | undefined;
const rows: Row[] = [];
const notes: string[] = [];
const raw: Record<string, unknown> = {};
/** One case failing (a product bug, a process that did not start) is reported, and the others still run. */
async function guarded(n: number, name: string, body: () => Promise<void>) {
  if (!want(n)) return;
  try {
    await body();
  } catch (e) {
    const msg = (e as Error).message.split('\n').slice(0, 8).join(' | ');
    console.error(`case ${n} (${name}) failed: ${msg}`);
    rows.push({ case: String(n), measure: name, briefwire: 'ERROR', versus: '', ratio: null, target: '', pass: false });
    notes.push(`case ${n} (${name}) did not complete: ${msg}`);
  }
}
try {
  const mainSink = await startSink();
  sink = mainSink;
  if (mainSink.kind !== 'postfix smtp-sink') {
    const msg = 'Postfix smtp-sink is not installed: using an smtp-server sink in a child process, and case 1(c) (smtp-source) is skipped.';
    console.log(`NOTE: ${msg}`);
    notes.push(msg);
  }
  const machine = { ...machineInfo(redis.version), sink: mainSink.kind };
  console.log(`${machine.cores} cores (${machine.cpu}), Node ${machine.node}, Nodemailer ${machine.nodemailer}, Redis ${machine.redis}, sink: ${mainSink.kind}, load ${machine.loadAverageAtStart.join(' ')}`);

  await guarded(5, 'render', async () => {
    console.log('case 5: render');
    const r = await runRenderCase({ compiles: P.compiles, splices: P.splices, reps: P.reps });
    raw.render = r;
    rows.push(
      { case: '5', measure: 'MJML compile per brief', briefwire: `${num(r.compileMs, 1)} ms`, versus: '', ratio: null, target: 'report', pass: null, limits: LIMITS.compile },
      { case: '5', measure: 'splice per recipient', briefwire: `${num(r.spliceUs, 1)} µs`, versus: `${num(r.messageBytes)} B message`, ratio: null, target: 'report', pass: null, limits: LIMITS.splice },
    );
  });

  await guarded(1, 'dispatch throughput', async () => {
    console.log(`case 1: dispatch throughput, ${P.recipients.toLocaleString('en-US')} recipients, ${WORKERS} workers × ${POOL} connections`);
    const r = await runDispatchCase(redis, mainSink, { recipients: P.recipients, naiveSubset: P.naive, reps: P.reps, workers: WORKERS, poolSize: POOL });
    raw.dispatch = r;
    const bw = r.medianPerSec.briefwire;
    const perSec = (n: number | null) => `${num(n)} msg/s`;
    const ratioRow = (measure: string, other: number | null, min: number | null, what: string, limits: string): Row => ({
      case: '1',
      measure,
      briefwire: perSec(bw),
      versus: `${perSec(other)} ${what}`,
      ratio: other ? bw / other : null,
      target: min === null ? 'info' : `≥ ${min}×`,
      pass: min === null || !other ? null : bw / other >= min,
      limits,
    });
    const { smtpConnection: e, pooledRaw: f } = r.medianPerSec;
    rows.push(
      ratioRow('vs (e) SMTPConnection loop', e, 0.85, `send({from,to}, bytes), ${r.connections} connections`, LIMITS.dispatchVsSmtpConnection),
      ratioRow('vs (b) Nodemailer pool', r.medianPerSec.nodemailer, 3.0, 'sendMail({html,text})', LIMITS.dispatchVsNodemailer),
      ratioRow('vs (c) smtp-source', r.medianPerSec.smtpSource, null, `C, ${num(r.messageBytes)} B`, LIMITS.dispatchVsSmtpSource),
      ratioRow('vs (d) MJML per recipient', r.medianPerSec.naive, 20, `(${r.naiveSubset} sent, extrapolated)`, LIMITS.dispatchVsNaive),
      ratioRow('vs (f) Nodemailer pool, raw', f, null, `sendMail({envelope,raw}); (f)/(e) = ${e && f ? num(f / e, 2) : 'n/a'}×`, LIMITS.pooledRawVsSmtpConnection),
    );
  });

  await guarded(3, 'signup', async () => {
    console.log(`case 3: signup, autocannon ${P.signupSeconds} s × ${P.reps} each`);
    const r = await runSignupCase(redis, mainSink, { seconds: P.signupSeconds, reps: P.reps, connections: 20 });
    raw.signup = r;
    const ratio = r.briefwire.rps / r.bare.rps;
    const bad = r.briefwire.non2xx + r.briefwire.errors + r.bare.non2xx + r.bare.errors;
    if (bad) notes.push(`case 3: ${bad} non-2xx answers or errors during the autocannon runs; the ratio is not trustworthy.`);
    rows.push({
      case: '3',
      measure: 'POST /subscribe req/s (p99)',
      briefwire: `${num(r.briefwire.rps)} (${num(r.briefwire.p99)} ms)`,
      versus: `${num(r.bare.rps)} (${num(r.bare.p99)} ms) bare SET`,
      ratio,
      target: '≥ 0.5×',
      pass: ratio >= 0.5 && !bad,
      limits: LIMITS.signup,
    });
  });

  await guarded(4, 'lane isolation', async () => {
    console.log(`case 4: lane isolation during a ${P.lanes.toLocaleString('en-US')}-recipient dispatch`);
    const r = await runLanesCase(redis, { recipients: P.lanes, workers: WORKERS, poolSize: POOL, probeEveryMs: 200, reps: P.lanesReps });
    raw.lanes = r;
    rows.push({
      case: '4',
      measure: 'confirmation p99 during dispatch',
      briefwire: `${num(r.p99Ms)} ms`,
      versus: `p50 ${num(r.p50Ms)} ms, max ${num(r.maxMs)} ms, n=${r.signups}${r.missing ? `, ${r.missing} missing` : ''}`,
      ratio: null,
      target: '< 1000 ms',
      pass: r.p99Ms < 1000,
      limits: LIMITS.lanes,
    });
  });

  await guarded(6, 'breaking priority', async () => {
    console.log(`case 6: a ${P.breaking.toLocaleString('en-US')}-reader breaking dispatch, alone and during a ${P.routine.toLocaleString('en-US')}-reader routine one`);
    const r = await runPriorityCase(redis, { routine: P.routine, breaking: P.breaking, workers: WORKERS, poolSize: POOL, reps: P.reps });
    raw.priority = r;
    const ratio = r.during.p95Ms / r.alone.p95Ms;
    if (r.routineLeft.some((n) => n <= 0)) notes.push('case 6: a routine dispatch finished before its breaking one did: that repetition was not contended.');
    rows.push({
      case: '6',
      measure: `breaking p95 publish-to-accept, ${num(P.breaking)} readers, during ${num(P.routine)} routine`,
      briefwire: `${num(r.during.p95Ms)} ms (p50 ${num(r.during.p50Ms)} ms)`,
      versus: `${num(r.alone.p95Ms)} ms alone (p50 ${num(r.alone.p50Ms)} ms)`,
      ratio,
      target: '≤ 1.25×',
      pass: ratio <= 1.25,
      limits:
        'The breaking batches go ahead of every routine batch waiting (BullMQ priorities 1 and 2), so what the routine send adds is the routine batches already in progress (DELIVER_CONCURRENCY per worker, up to 500 recipients each) finishing first, and the routine planner still streaming its audience while the breaking one does; the build of the breaking message (MJML in a thread) is paid alike alone.',
    });
  });

  await guarded(2, 'memory at scale', async () => {
    console.log(`case 2: memory, ${P.memory.toLocaleString('en-US')} subscribers, 1 compiled worker`);
    const r = await runMemoryCase(redis, mainSink, { subscribers: P.memory, poolSize: POOL, idleWindowMs: P.idleWindowMs });
    raw.memory = r;
    const MB = 2 ** 20;
    const idle = r.workerIdleRssBytes / MB;
    const peak = r.workerPeakRssBytes / MB;
    rows.push(
      {
        case: '2',
        measure: 'compiled worker idle RSS',
        briefwire: `${num(idle)} MB`,
        versus: `after ${P.idleWindowMs / 1000} s; startup peak ${num(r.workerStartupPeakRssBytes / MB)} MB`,
        ratio: null,
        target: '≤ 80 MB',
        pass: idle <= 80,
        limits: LIMITS.idleMemory,
      },
      {
        case: '2',
        measure: `compiled worker peak RSS, ${num(r.subscribers)} subs`,
        briefwire: `${num(peak)} MB`,
        versus: `${num(r.dispatchSeconds, 1)} s total, ${num(r.perSec)} msg/s`,
        ratio: null,
        // The target is for 1,000,000 subscribers; a quick run's smaller list is a preview of it.
        target: '≤ 128 MB',
        pass: peak <= 128,
        limits: LIMITS.memory,
      },
      { case: '2', measure: 'Redis bytes per subscriber', briefwire: `${num(r.redisBytesPerSubscriber)} B`, versus: '', ratio: null, target: 'report', pass: null },
      { case: '2', measure: 'Redis bytes per ledger entry', briefwire: `${num(r.redisBytesPerLedgerEntry)} B`, versus: `ledger hash alone ${num(r.ledgerHashBytesPerEntry)} B`, ratio: null, target: 'report', pass: null, limits: LIMITS.ledger },
    );
  });

  printTable(rows);
  const files = writeResults({ mode: quick ? 'quick' : 'full', startedAt, machine, rows, notes, raw });
  console.log(`\nwrote ${files.jsonPath} and ${files.mdPath}`);
} finally {
  await sink?.stop();
  await redis.stop();
}
