import { spawn } from 'node:child_process';
import nodemailer from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { compileBrief } from '../../src/briefs/compile.ts';
import { prepareCompiled } from '../../src/briefs/personalize.ts';
import { SMTP_SOURCE, deletePrefix, type PrivateRedis, type Sink } from '../lib/infra.ts';
import { seedSubscribers, benchAddress } from '../lib/seed.ts';
import { benchEnv, benchPrefix, dispatchMs, startStack } from '../lib/stack.ts';
import { renderBulkMessage } from '../../src/dispatch/bulkMessage.ts';
import { parseSmtpUrl } from '../../src/mail/smtpTarget.ts';
import { COMPILE_OPTS, plainMail, recipientFields, seedMessage, type SeedMessage } from '../lib/brief.ts';
import { median, type Sample } from '../lib/stats.ts';

/**
 * Case 1: dispatch throughput, same sink, same message, same connections.
 * (a) briefwire end to end: API call -> planner -> deliver workers -> SMTP;
 * (b) a plain Nodemailer pool, sendMail({html, text}) per recipient;
 * (c) Postfix smtp-source, the C load generator (raw bytes, no MIME work);
 * (d) naive: MJML render per recipient, then sendMail (a subset, extrapolated);
 * (e) the transport's ceiling: Nodemailer's own SMTPConnection, N = workers ×
 *     poolSize connections opened once, each a loop of send({from, to}, bytes);
 * (f) Nodemailer's pooled transport over the same N connections, sendMail({envelope, raw}).
 * (e) and (f) send briefwire's bulk message bytes: renderBulkMessage of the
 * dispatch template for each recipient (its own To, Message-ID, unsubscribe
 * and preferences URLs), rendered inside the timed loop as the deliverer does.
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

/** One rendered bulk message for recipient i (what the deliverer hands its mailer; ~30 µs). */
function bulkBytes(m: SeedMessage, i: number): { to: string; raw: Buffer } {
  const to = benchAddress(i + 1);
  return { to, raw: renderBulkMessage(m.template, recipientFields(to, i)) };
}

/** Same options briefwire's pool gives each SMTPConnection (parsed from the same SMTP_URL). */
const connectionOptions = (sink: Sink) => parseSmtpUrl(sink.url, { connectionMs: 30_000, greetingMs: 30_000, socketMs: 600_000 }).connection;

function openConnection(sink: Sink): Promise<SMTPConnection> {
  const conn = new SMTPConnection(connectionOptions(sink));
  return new Promise((resolve, reject) => {
    conn.once('error', reject);
    conn.connect(() => {
      conn.off('error', reject);
      resolve(conn);
    });
  });
}

/** (e): `connections` SMTPConnections kept open, each sending one message after another; the clock includes connecting. */
export async function smtpConnectionLoop(sink: Sink, m: SeedMessage, n: number, connections: number): Promise<number> {
  const t0 = performance.now();
  const conns = await Promise.all(Array.from({ length: connections }, () => openConnection(sink)));
  let next = 0;
  await Promise.all(
    conns.map(async (conn) => {
      while (next < n) {
        const { to, raw } = bulkBytes(m, next++);
        await new Promise<void>((resolve, reject) => conn.send({ from: m.template.from, to: [to] }, raw, (err) => (err ? reject(err) : resolve())));
      }
    }),
  );
  const ms = performance.now() - t0;
  for (const c of conns) c.quit();
  return ms;
}

/** (f): the pooled transport with the same connection options, envelope + raw (no MIME composition). */
export async function pooledRaw(sink: Sink, m: SeedMessage, n: number, connections: number): Promise<number> {
  const transport = nodemailer.createTransport({ ...connectionOptions(sink), pool: true, maxConnections: connections, maxMessages: Infinity } as Parameters<typeof nodemailer.createTransport>[0]);
  const t0 = performance.now();
  await inFlight(n, connections * 2, (i) => {
    const { to, raw } = bulkBytes(m, i);
    return transport.sendMail({ envelope: { from: m.template.from, to: [to] }, raw });
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
  const samples: Record<'briefwire' | 'nodemailer' | 'smtpSource' | 'naive' | 'smtpConnection' | 'pooledRaw', Sample[]> = {
    briefwire: [],
    nodemailer: [],
    smtpSource: [],
    naive: [],
    smtpConnection: [],
    pooledRaw: [],
  };
  const haveSource = sink.kind === 'postfix smtp-sink';
  try {
    // Warm-up: first compile, JIT, pooled connections. Not counted.
    await plainNodemailer(sink, m, 200, connections);
    await smtpConnectionLoop(sink, m, 200, connections);
    await pooledRaw(sink, m, 200, connections);
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

      const e = await smtpConnectionLoop(sink, m, o.recipients, connections);
      samples.smtpConnection.push({ ms: e, perSec: (o.recipients * 1000) / e });

      const f = await pooledRaw(sink, m, o.recipients, connections);
      samples.pooledRaw.push({ ms: f, perSec: (o.recipients * 1000) / f });

      const dn = await naiveMjml(sink, m, o.naiveSubset, connections);
      const perSec = (o.naiveSubset * 1000) / dn;
      samples.naive.push({ ms: (o.recipients * 1000) / perSec, perSec, measured: o.naiveSubset });
      console.log(
        `  case 1 rep ${rep + 1}/${o.reps}: briefwire ${fmt(samples.briefwire.at(-1)!.perSec)}/s, nodemailer ${fmt(samples.nodemailer.at(-1)!.perSec)}/s, ` +
          `smtp-source ${haveSource ? fmt(samples.smtpSource.at(-1)!.perSec) : 'n/a'}/s, SMTPConnection loop ${fmt(samples.smtpConnection.at(-1)!.perSec)}/s, ` +
          `pooled raw ${fmt(samples.pooledRaw.at(-1)!.perSec)}/s, naive ${fmt(perSec)}/s`,
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
    medianPerSec: {
      briefwire: med('briefwire'),
      nodemailer: med('nodemailer'),
      smtpSource: haveSource ? med('smtpSource') : null,
      naive: med('naive'),
      smtpConnection: med('smtpConnection'),
      pooledRaw: med('pooledRaw'),
    },
  };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
