import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { testEnv, until } from '../support/harness.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { freePort } from '../support/redisServers.ts';

const pong = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => (socket.destroy(), done(d.toString().startsWith('+PONG'))));
    socket.on('error', () => done(false));
  });

let procs: BriefwireProcess[] = [];
let smtp: TestSmtpServer | undefined;
let redisPort = 0;
afterAll(async () => {
  await stopAll(procs);
  await smtp?.close();
  rmSync(resolve('.briefwire', `redis-${redisPort}`), { recursive: true, force: true });
});

describe('npm start on a machine with no Redis running', { timeout: 60_000 }, () => {
  it('starts a local redis-server on the REDIS_URL port, says so, runs, and stops it on exit', async () => {
    smtp = await startSmtpServer();
    redisPort = await freePort();
    const httpPort = await freePort();
    const env = testEnv(`{bwt-${randomBytes(4).toString('hex')}}`, smtp.url, { REDIS_URL: `redis://127.0.0.1:${redisPort}`, PORT: String(httpPort), LOG_LEVEL: 'info' });
    expect(await pong(redisPort)).toBe(false);
    const app = spawnBriefwire('start', env);
    procs = [app];
    await until(() => fetch(`http://127.0.0.1:${httpPort}/healthz`).then((r) => r.status, () => 0), (s) => s === 200, 30_000, `healthz (${app.output()})`);
    expect(await pong(redisPort)).toBe(true);
    expect(app.output()).toContain('started a local redis-server');
    // Signals are handled once it says it is running.
    await until(async () => app.output(), (o) => o.includes('briefwire listening'), 30_000, 'the start line');
    app.child.kill('SIGTERM');
    expect((await app.exited).code).toBe(0);
    await until(() => pong(redisPort), (up) => !up, 10_000, 'the local redis-server to stop');
  });
});
