import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { testEnv, deleteKeys } from '../support/harness.ts';
import { freePort } from '../support/redisServers.ts';

/**
 * Issue 15's memory target: a worker loads each heavy part only where it is used. A real worker
 * process runs with a module hook that lists every file it loads: ES modules through the loader's
 * `load` hook, CommonJS ones from require.cache at exit. Its features off, none of the optional
 * packages may be among them; one feature on loads that feature's package and still no other.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HEAVY = ['imapflow', 'smtp-server', 'mailparser', 'mjml', 'markdown-it', 'handlebars', 'fast-xml-parser', 'parse5', 'nodemailer', 'fastify'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bw-lazy-'));
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.BW_LOADED_LIST, url + '\\n');
  return next(url, context);
}
`,
  );
  writeFileSync(
    join(dir, 'register.mjs'),
    `import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register('./hooks.mjs', import.meta.url);
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => appendFileSync(process.env.BW_LOADED_LIST, Object.keys(cache).join('\\n') + '\\n'));
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages a worker process loaded from its start until it was stopped once running. */
async function packagesLoadedByWorker(env: Record<string, string>): Promise<Set<string>> {
  const prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  const list = join(dir, `${prefix}.txt`);
  writeFileSync(list, '');
  const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), join(ROOT, 'bin/briefwire.js'), 'worker'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...testEnv(prefix, 'smtp://127.0.0.1:9', { LOG_LEVEL: 'info', ...env }), BW_LOADED_LIST: list },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    for (let i = 0; !out.includes('briefwire workers running'); i++) {
      if (child.exitCode !== null || i > 300) throw new Error(`worker did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Timers and the first polls of an idle worker run in its first moments: they must load nothing heavy either.
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    expect(await exited, out).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await deleteKeys(prefix);
  }
  const packages = new Set<string>();
  for (const m of readFileSync(list, 'utf8').matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)) packages.add(m[1]!);
  return packages;
}

describe('a worker process loads heavy modules only for what it does', { timeout: 60_000 }, () => {
  it('with no bounce intake, feeds or sends: none of them', async () => {
    const loaded = await packagesLoadedByWorker({});
    // The hook sees what every worker needs, so an empty list cannot pass for a lazy one.
    expect(loaded).toContain('bullmq');
    expect(loaded).toContain('ioredis');
    expect(loaded).toContain('zod');
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('with the bounce MX on: smtp-server, and still no IMAP client, MIME parser or MJML', async () => {
    const loaded = await packagesLoadedByWorker({ BOUNCE_SMTP_PORT: String(await freePort()), BOUNCE_ADDRESS: 'bounces@bounces.example.org' });
    expect(loaded).toContain('smtp-server');
    expect(['imapflow', 'mailparser', 'mjml'].filter((p) => loaded.has(p))).toEqual([]);
  });
});
