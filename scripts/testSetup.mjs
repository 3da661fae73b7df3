#!/usr/bin/env node
// `npm test` runs this first (the `pretest` script), so the test command alone works on a fresh
// Debian machine: it finds, or installs when it may, what the tests drive for real.
// - Debian's Chromium (browser tests), Dovecot (the IMAP bounce mailbox test), Prometheus (the dashboard test) and redis-server
//   (the tests' private Redis servers): used where installed; installed with apt-get when running
//   as root; otherwise it stops with one line saying what to install.
// - Redis on REDIS_URL: when nothing answers on the local default and redis-server exists, it
//   starts one (no persistence; it keeps running for later runs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NEEDS = [
  { what: 'Chromium', binaries: ['/usr/bin/chromium'], packages: ['chromium'] },
  { what: 'Dovecot', binaries: ['/usr/sbin/dovecot'], packages: ['dovecot-imapd'] },
  { what: 'redis-server', binaries: ['/usr/bin/redis-server', '/usr/local/bin/redis-server'], packages: ['redis-server', 'redis-tools'] },
  { what: 'Prometheus', binaries: ['/usr/bin/prometheus'], packages: ['prometheus'] },
];

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
const present = (need) => need.binaries.some((b) => existsSync(b)) || onPath(need.binaries[0].split('/').pop());

const missing = NEEDS.filter((n) => !present(n));
if (missing.length) {
  const packages = missing.flatMap((n) => n.packages);
  if (!isRoot || !onPath('apt-get')) {
    console.error(`npm test needs ${missing.map((n) => n.what).join(', ')}: run \`sudo apt-get install -y ${packages.join(' ')}\` (Debian), then npm test again.`);
    process.exit(1);
  }
  console.log(`test setup: installing ${packages.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}

function redisAnswers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    let reply = '';
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(/^\+PONG|^-NOAUTH/.test(reply));
      }
    });
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(false));
  });
}

const url = new URL(REDIS_URL);
const host = url.hostname || '127.0.0.1';
const port = Number(url.port || 6379);
if (!(await redisAnswers(host, port))) {
  const local = (host === '127.0.0.1' || host === 'localhost') && url.protocol === 'redis:';
  if (!local) {
    console.error(`npm test needs Redis at ${REDIS_URL}, and nothing answers there.`);
    process.exit(1);
  }
  console.log(`test setup: nothing answers on ${host}:${port}; starting redis-server there (no persistence)`);
  execFileSync('redis-server', ['--daemonize', 'yes', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'inherit' });
  for (let i = 0; i < 50 && !(await redisAnswers(host, port)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers(host, port))) {
    console.error(`redis-server did not come up on ${host}:${port}`);
    process.exit(1);
  }
}
