import { spawn } from 'node:child_process';
import nodemailer from 'nodemailer';
import { compileBrief } from '../../src/briefs/compile.ts';
import { prepareCompiled } from '../../src/briefs/personalize.ts';
import { SMTP_SOURCE, deletePrefix, type PrivateRedis, type Sink } from '../lib/infra.ts';
import { seedSubscribers, benchAddress } from '../lib/seed.ts';
import { benchEnv, benchPrefix, dispatchMs, startStack } from '../lib/stack.ts';
import { COMPILE_OPTS, plainMail, seedMessage, type SeedMessage } from '../lib/brief.ts';
import { median, type Sample } from '../lib/stats.ts';

/**
 * Case 1: dispatch throughput, same sink, same message, same connections.
 * (a) briefwire end to end: API call -> planner -> deliver workers -> SMTP;
 * (b) a plain Nodemailer pool, sendMail({html, text}) per recipient;
 * (c) Postfix smtp-source, the C load generator (raw bytes, no MIME work);
 * (d) naive: MJML render per recipient, then sendMail (a subset, extrapolated).
 * Variants run interleaved per repetition so machine noise hits them alike.
 */

export interface DispatchCaseOptions {
  recipients: number;
  naiveSubset: number;
  reps: number;
  workers: number;
  poolSize: number;
}

/** Keeps `limit` promises in flight over `n` items. */
async function inFlight(n: number, limit: number, fn: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

function pool(sink: Sink, connections: number) {
  return nodemailer.createTransport({ url: sink.url, pool: true, maxConnections: connections, maxMessages: Infinity } as Parameters<typeof nodemailer.createTransport>[0]);
}

async function plainNodemailer(sink: Sink, m: SeedMessage, n: number, connections: number): Promise<number> {
  const transport = pool(sink, connections);
  const t0 = performance.now();
  await inFlight(n, connections * 2, (i) => transport.sendMail(plainMail(m, benchAddress(i + 1), i)));
  const ms = performance.now() - t0;
  transport.close();
  return ms;
}

async function naiveMjml(sink: Sink, m: SeedMessage, n: number, connections: number): Promise<number> {
  const transport = pool(sink, connections);
  const t0 = performance.now();
  await inFlight(n, connections * 2, async (i) => {
    // What a sender without a compile-once step does: template + MJML for every reader.
    const compiled = await compileBrief(m.brief, COMPILE_OPTS);
    await transport.sendMail(plainMail({ prepared: prepareCompiled(compiled) }, benchAddress(i + 1), i));
  });
  const ms = performance.now() - t0;
  transport.close();
  return ms;
}

async function smtpSource(sink: Sink, size: number, n: number, sessions: number): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const args = ['-d', '-s', String(sessions), '-m', String(n), '-l', String(size), '-f', 'alerts@briefwire.localhost', '-t', 'reader@bench.example.org', `127.0.0.1:${sink.port}`];
    const child = spawn(SMTP_SOURCE, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}: ${err}`))));
  });
  return performance.now() - t0;
}

export async function runDispatchCase(redis: PrivateRedis, sink: Sink, o: DispatchCaseOptions) {
  const m = await seedMessage();
  const connections = o.workers * o.poolSize;
  const prefix = benchPrefix();
  await seedSubscribers(redis.client, prefix, o.recipients);
  const stack = await startStack(
    benchEnv(redis.url, prefix, sink.url, { SMTP_POOL_SIZE: String(o.poolSize), SIGNUP_LIMIT_PER_IP: '1000000', SIGNUP_LIMIT_GLOBAL: '1000000' }),
    { workers: o.workers },
  );
  const samples: Record<'briefwire' | 'nodemailer' | 'smtpSource' | 'naive', Sample[]> = { briefwire: [], nodemailer: [], smtpSource: [], naive: [] };
  const haveSource = sink.kind === 'postfix smtp-sink';
  try {
    // Warm-up: first compile, JIT, pooled connections. Not counted.
    await plainNodemailer(sink, m, 200, connections);
    for (let rep = 0; rep < o.reps; rep++) {
      const briefId = await stack.createBrief();
      const { id, t0 } = await stack.dispatch(briefId);
      const d = await stack.waitDone(id, 600_000);
      if (d.sent !== o.recipients) throw new Error(`briefwire sent ${d.sent} of ${o.recipients}: ${JSON.stringify(d)}`);
      const a = dispatchMs(t0, d);
      samples.briefwire.push({ ms: a, perSec: (o.recipients * 1000) / a });

      const b = await plainNodemailer(sink, m, o.recipients, connections);
      samples.nodemailer.push({ ms: b, perSec: (o.recipients * 1000) / b });

      if (haveSource) {
        const c = await smtpSource(sink, m.size, o.recipients, connections);
        samples.smtpSource.push({ ms: c, perSec: (o.recipients * 1000) / c });
      }

      const dn = await naiveMjml(sink, m, o.naiveSubset, connections);
      const perSec = (o.naiveSubset * 1000) / dn;
      samples.naive.push({ ms: (o.recipients * 1000) / perSec, perSec, measured: o.naiveSubset });
      console.log(
        `  case 1 rep ${rep + 1}/${o.reps}: briefwire ${fmt(samples.briefwire.at(-1)!.perSec)}/s, nodemailer ${fmt(samples.nodemailer.at(-1)!.perSec)}/s, ` +
          `smtp-source ${haveSource ? fmt(samples.smtpSource.at(-1)!.perSec) : 'n/a'}/s, naive ${fmt(perSec)}/s`,
      );
    }
  } finally {
    await stack.stop();
    await deletePrefix(redis.client, prefix);
  }
  const med = (k: keyof typeof samples) => median(samples[k].map((s) => s.perSec));
  return {
    recipients: o.recipients,
    connections,
    workers: o.workers,
    messageBytes: m.size,
    naiveSubset: o.naiveSubset,
    samples,
    medianPerSec: { briefwire: med('briefwire'), nodemailer: med('nodemailer'), smtpSource: haveSource ? med('smtpSource') : null, naive: med('naive') },
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
