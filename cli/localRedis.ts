import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { resolve } from 'node:path';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';

/**
 * `npm start` on a fresh machine: when nothing answers on a loopback
 * REDIS_URL (the default is 127.0.0.1:6379) and `redis-server` is installed,
 * start one for this process, with its data under `.briefwire/`, say so, and
 * stop it on exit. Development only: production must point at a Redis it
 * runs on purpose (with AOF), never one that lives and dies with the app.
 */
export async function startLocalRedisIfNeeded(config: Config, logger: Logger): Promise<{ stop(): Promise<void> } | undefined> {
  if (config.production || config.redis.clusterNodes.length) return undefined;
  const url = new URL(config.redis.url);
  const host = url.hostname;
  const port = Number(url.port || 6379);
  if (url.protocol !== 'redis:' || !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host) || url.password) return undefined;
  if (await answers(host, port)) return undefined;
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = resolve('.briefwire', `redis-${port}`);
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 50 && !(await answers(host, port)); i++) await new Promise((r) => setTimeout(r, 100));
  logger.warn({ port, dir }, `nothing answered on ${host}:${port}: started a local redis-server for this process (data in .briefwire/); it stops when briefwire does`);
  const exited = new Promise((r) => child.once('exit', r));
  process.once('exit', () => child.kill('SIGTERM'));
  return {
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000).unref())]);
    },
  };
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port, timeout: 500 });
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        done(/^\+PONG|^-NOAUTH/.test(reply));
      }
    });
    socket.on('timeout', () => {
      socket.destroy();
      done(false);
    });
    socket.on('error', () => done(false));
  });
}
