import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

/**
 * What a benchmark run stands on: a private Redis (so the shared 6379 is left
 * alone), an SMTP sink, and a description of the machine for the report.
 */

export const SMTP_SINK = '/usr/sbin/smtp-sink';
export const SMTP_SOURCE = '/usr/sbin/smtp-source';
const SINK_CHILD = fileURLToPath(new URL('./sinkChild.ts', import.meta.url));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess) {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited(child);
  clearTimeout(timer);
}

export interface PrivateRedis {
  url: string;
  client: Redis;
  usedMemory(): Promise<number>;
  version: string;
  stop(): Promise<void>;
}

/** A throwaway redis-server on a free port: no RDB, no AOF, noeviction (as briefwire requires). */
export async function startRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--protected-mode', 'no'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => null });
  client.on('error', () => undefined); // start-up refusals are retried below; later errors surface on commands
  for (let i = 0; ; i++) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (e) {
      if (i > 50) throw new Error(`private redis-server did not start: ${(e as Error).message}`);
      client.disconnect();
      await sleep(100);
    }
  }
  const info = await client.info('server');
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return {
    url,
    client,
    version,
    async usedMemory() {
      const mem = await client.info('memory');
      return Number(/used_memory:(\d+)/.exec(mem)?.[1] ?? 0);
    },
    async stop() {
      client.disconnect();
      await stopChild(child);
    },
  };
}

/** Deletes every key under a prefix (a benchmark's subscribers, ledgers, queues). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let n = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) n += await redis.unlink(...keys);
  } while (cursor !== '0');
  return n;
}

export interface Sink {
  url: string;
  port: number;
  kind: 'postfix smtp-sink' | 'smtp-server child';
  /** Arrival times (epoch ms) of recipients matching the watch pattern (smtp-server sink only). */
  arrivals: Map<string, number>;
  /** Messages received (smtp-server sink only; smtp-sink does not count). */
  received(): Promise<number>;
  stop(): Promise<void>;
}

/** Postfix's smtp-sink when installed (C, accepts instantly), else an smtp-server child process. */
export async function startSink(opts: { prefer?: 'postfix' | 'node'; watch?: string } = {}): Promise<Sink> {
  const port = await freePort();
  if ((opts.prefer ?? 'postfix') === 'postfix' && existsSync(SMTP_SINK)) {
    // smtp-sink refuses to run as root unless told which user to become.
    const user = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
    const child = spawn(SMTP_SINK, [...user, `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
    await waitForPort(port);
    return {
      url: `smtp://127.0.0.1:${port}`,
      port,
      kind: 'postfix smtp-sink',
      arrivals: new Map(),
      received: async () => NaN,
      stop: () => stopChild(child),
    };
  }
  return startNodeSink(port, opts.watch);
}

async function startNodeSink(port: number, watch?: string): Promise<Sink> {
  const child = spawn(process.execPath, ['--import', 'tsx', SINK_CHILD, String(port), watch ?? ''], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const arrivals = new Map<string, number>();
  const counts: ((n: number) => void)[] = [];
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  child.on('message', (m: { type: string; to?: string; at?: number; n?: number }) => {
    if (m.type === 'ready') ready();
    else if (m.type === 'arrival') arrivals.set(m.to!, m.at!);
    else if (m.type === 'count') counts.shift()?.(m.n!);
  });
  await Promise.race([isReady, exited(child).then(() => Promise.reject(new Error('smtp-server sink exited at start')))]);
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    kind: 'smtp-server child',
    arrivals,
    received: () =>
      new Promise<number>((resolve) => {
        counts.push(resolve);
        child.send({ type: 'count' });
      }),
    stop: () => stopChild(child),
  };
}

async function waitForPort(port: number) {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

const pkgVersion = (name: string) => {
  try {
    return (JSON.parse(readFileSync(fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
};

export function machineInfo(redisVersion: string) {
  let postfix = 'absent';
  if (existsSync(SMTP_SINK)) {
    try {
      postfix = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'postfix'], { encoding: 'utf8' }).trim() || 'present';
    } catch {
      postfix = 'present';
    }
  }
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    nodemailer: pkgVersion('nodemailer'),
    bullmq: pkgVersion('bullmq'),
    mjml: pkgVersion('mjml'),
    redis: redisVersion,
    postfix,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Peak resident set of a process so far (kB → bytes), from /proc. */
export function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
