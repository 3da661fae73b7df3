import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * Private redis-server processes for tests that stop, restart or cluster
 * Redis: on their own loopback ports and temp dirs, never the shared 6379.
 */

/** A loopback port that was free a moment ago: bind one, then let it go. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    r.on('error', () => undefined);
    try {
      await r.connect();
      // A server still loading its AOF answers LOADING: not ready yet.
      if ((await r.ping()) === 'PONG') return;
    } catch {
      // not up yet
    } finally {
      r.disconnect();
    }
    if (Date.now() > end) throw new Error(`redis-server on ${port} did not start`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function launch(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.resume();
  child.stderr!.resume();
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));

export interface PrivateRedis {
  port: number;
  url: string;
  dir: string;
  /** Stops the server: SIGTERM is a clean shutdown (AOF flushed), SIGKILL a crash. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and dir (AOF replayed); resolves once it answers. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** One standalone redis-server with AOF (appendfsync everysec), as production should run. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'bw-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir, '--save', '', '--maxmemory-policy', 'noeviction'];
  let child = launch(args);
  await waitForPing(port);
  const self: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      await exited(child);
    },
    async start() {
      child = launch(args);
      await waitForPing(port);
    },
    async close() {
      child.kill('SIGKILL');
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return self;
}

export interface PrivateCluster {
  /** For REDIS_CLUSTER_NODES. */
  nodes: string;
  ports: number[];
  close(): Promise<void>;
}

/** Three masters on loopback, slots split by `redis-cli --cluster create`; no replicas, no persistence. */
export async function startRedisCluster(masters = 3): Promise<PrivateCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-cluster-'));
  const ports: number[] = [];
  while (ports.length < masters) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: keep both in range and distinct.
    if (p + 10_000 < 65_536 && !ports.includes(p)) ports.push(p);
  }
  const children = ports.map((p) =>
    launch([
      '--port', String(p), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`),
      '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--maxmemory-policy', 'noeviction',
    ]),
  );
  const close = async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(ports.map((p) => waitForPing(p)));
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    // Wait until every node agrees that all 16384 slots are served.
    const end = Date.now() + 20_000;
    for (;;) {
      const states = ports.map((p) => spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
      if (states.every((s) => /cluster_state:ok/.test(s))) break;
      if (Date.now() > end) throw new Error(`cluster not ok: ${states.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`).join(','), ports, close };
}
