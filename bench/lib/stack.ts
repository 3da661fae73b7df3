import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv, EDITOR_TOKEN } from '../../test/support/harness.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopAll, type BriefwireProcess } from '../../test/support/processes.ts';
import { freePort, sleep } from './infra.ts';

/**
 * briefwire as it runs in production: an `api` process and `worker`
 * processes (bin/briefwire.js through tsx, or the compiled dist/cli/briefwire.js
 * on bare Node), spoken to over real HTTP.
 */

export const seedBrief = () =>
  JSON.parse(readFileSync(new URL('../../test/fixtures/seed-brief.json', import.meta.url), 'utf8')) as Record<string, unknown>;

export const benchPrefix = () => `{bwbench-${randomBytes(4).toString('hex')}}`;

export function benchEnv(redisUrl: string, prefix: string, smtpUrl: string, overrides: Record<string, string> = {}) {
  return testEnv(prefix, smtpUrl, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    PUBLIC_URL: 'https://news.example.org',
    // Production refuses a public /metrics without saying so; the bench scrapes nothing.
    METRICS_PUBLIC: 'true',
    SMTP_SOCKET_TIMEOUT_MS: '20000',
    RETRY_BASE_MS: '1000',
    SHUTDOWN_GRACE_MS: '10000',
    ...overrides,
  });
}

let profileDir: string | undefined;
let profiled = 0;
/** `--cpu-prof`: every briefwire process started from now on writes a V8 CPU profile there on exit. */
export function profileInto(dir: string) {
  profileDir = dir;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/briefwire.js');
const COMPILED_BIN = join(ROOT, 'dist/cli/briefwire.js');

/** The newest source file `npm run build` compiles or copies, with its mtime. */
function newestSource(): { path: string; mtimeMs: number } {
  let newest = { path: '', mtimeMs: 0 };
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|lua|mjml|hbs|html)$/.test(entry.name)) {
        const { mtimeMs } = statSync(path);
        if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  for (const top of ['src', 'workers', 'cli', 'templates']) walk(join(ROOT, top));
  return newest;
}

/**
 * The memory targets are for the compiled worker, so a missing or stale dist/ would measure the wrong
 * code: stop with what to run. Not built here: other work in this tree may be running from dist/.
 */
export function assertFreshBuild(): void {
  let built: number;
  try {
    built = statSync(COMPILED_BIN).mtimeMs;
  } catch {
    throw new Error('dist/cli/briefwire.js is missing: run `npm run build` first (case 2 measures the compiled worker)');
  }
  const newest = newestSource();
  if (newest.mtimeMs > built) {
    throw new Error(`dist/ is older than ${newest.path.slice(ROOT.length)}: run \`npm run build\` first (case 2 measures the compiled worker)`);
  }
}

/**
 * `node bin/briefwire.js <role>` (as test/support/processes.ts), or `node dist/cli/briefwire.js <role>`
 * when compiled, with V8 profiling when asked.
 */
function spawnBriefwire(role: 'worker' | 'api', env: Record<string, string>, compiled = false, nodeFlags: string[] = []): BriefwireProcess {
  const flags = [...nodeFlags, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${role}-${++profiled}`] : [])];
  const child = spawn(process.execPath, [...flags, compiled ? COMPILED_BIN : BIN, role], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

export interface Stack {
  apiUrl: string;
  api?: BriefwireProcess;
  workers: BriefwireProcess[];
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  createBrief(overrides?: Record<string, unknown>): Promise<string>;
  dispatch(briefId: string): Promise<{ id: string; t0: number }>;
  waitDone(id: string, timeoutMs: number, onPoll?: (d: any) => void): Promise<any>;
  stop(): Promise<void>;
}

export async function startStack(
  env: Record<string, string>,
  opts: { workers: number; api?: boolean; compiledWorkers?: boolean; /** Added to the workers' environment only. */ workerEnv?: Record<string, string>; /** Node flags of the worker processes (case 2: production's). */ workerNodeFlags?: string[] },
): Promise<Stack> {
  if (opts.compiledWorkers) assertFreshBuild();
  const port = await freePort();
  const apiEnv = { ...env, PORT: String(port) };
  const api = opts.api === false ? undefined : spawnBriefwire('api', apiEnv);
  const workers = Array.from({ length: opts.workers }, () => spawnBriefwire('worker', { ...env, ...opts.workerEnv }, opts.compiledWorkers, opts.workerNodeFlags));
  const apiUrl = `http://127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${EDITOR_TOKEN}` };

  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(apiUrl + path, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json };
  };

  try {
    if (api) {
      for (let i = 0; ; i++) {
        const up = await fetch(`${apiUrl}/healthz`).then((r) => r.ok, () => false);
        if (up) break;
        if (api.child.exitCode !== null || i > 300) throw new Error(`briefwire api did not start:\n${api.output()}`);
        await sleep(100);
      }
    }
    // Workers log "briefwire workers running" at info; at LOG_LEVEL=warn we give them a moment instead.
    await sleep(opts.workers ? 1500 : 0);
    for (const w of workers) if (w.child.exitCode !== null) throw new Error(`briefwire worker exited:\n${w.output()}`);
  } catch (e) {
    await stopAll([...workers, ...(api ? [api] : [])]);
    throw e;
  }

  let briefs = 0;
  return {
    apiUrl,
    api,
    workers,
    request,
    async createBrief(overrides = {}) {
      briefs++;
      const brief = { ...seedBrief(), slug: `bench-${randomBytes(3).toString('hex')}-${briefs}`, ...overrides };
      const res = await request('POST', '/api/briefs', brief);
      if (res.status !== 201) throw new Error(`brief not created (${res.status}): ${JSON.stringify(res.json)}`);
      return res.json.id as string;
    },
    async dispatch(briefId) {
      const t0 = Date.now();
      const res = await request('POST', `/api/briefs/${briefId}/dispatches`, {});
      if (res.status !== 202) throw new Error(`dispatch not accepted (${res.status}): ${JSON.stringify(res.json)}`);
      return { id: res.json.id as string, t0 };
    },
    async waitDone(id, timeoutMs, onPoll) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const d = (await request('GET', `/api/dispatches/${id}`)).json;
        onPoll?.(d);
        if (d.status === 'done') return d;
        if (['failed', 'cancelled', 'paused'].includes(d.status)) throw new Error(`dispatch ${id} ended ${d.status}: ${JSON.stringify(d)}`);
        if (Date.now() > end) throw new Error(`dispatch ${id} not done in ${timeoutMs} ms: ${JSON.stringify(d)}`);
        await sleep(50);
      }
    },
    async stop() {
      const procs = [...workers, ...(api ? [api] : [])];
      for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
      const timer = setTimeout(() => void stopAll(procs), 12_000);
      await Promise.all(procs.map((p) => p.exited));
      clearTimeout(timer);
    },
  };
}

/** Time from the API call to `finishedAt` (written by the last batch), in ms. */
export const dispatchMs = (t0: number, d: { finishedAt?: string }) => (d.finishedAt ? Date.parse(d.finishedAt) - t0 : NaN);
