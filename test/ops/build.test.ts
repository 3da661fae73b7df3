import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';

/**
 * The production build: `npm run build` compiles to dist/, and the compiled
 * worker runs on bare Node (no TypeScript loader): it loads its Lua, builds a
 * dispatch's message in its thread from dist/templates, and delivers it.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

let h: Harness;
let worker: ChildProcess | undefined;
let output = '';
beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'pipe' });
  h = await createHarness({ env: { DISPATCH_BATCH_SIZE: '10' } });
}, 120_000);
afterAll(async () => {
  worker?.kill('SIGKILL');
  await h?.close();
});

describe('npm run build', { timeout: 180_000 }, () => {
  it('emits JavaScript that imports no .ts file, with the Lua scripts and templates beside it', () => {
    const js = files(DIST).filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(50);
    for (const f of js) expect(readFileSync(f, 'utf8'), f).not.toMatch(/from ['"][^'"]+\.ts['"]|import\(['"][^'"]+\.ts['"]\)/);
    expect(existsSync(join(DIST, 'src/dispatch/lua/claim.lua'))).toBe(true);
    expect(existsSync(join(DIST, 'templates/brief.mjml'))).toBe(true);
  });

  it('the compiled worker, on bare Node, delivers a dispatch', async () => {
    worker = spawn(process.execPath, [join(DIST, 'cli/briefwire.js'), 'worker'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...h.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await addSubscribers(h, 25, () => [], 'compiled.example.org');
    const brief = await createBrief(h, { title: 'Compiled' });
    const id = (await dispatch(h, brief.id)).json().id as string;
    const d = await waitForStatus(h, id, (x) => x.status === 'done' || x.status === 'failed', 120_000);
    expect(d, output).toMatchObject({ status: 'done', total: 25, sent: 25, failed: 0 });
    expect(h.smtp.received.filter((m) => m.to.some((t) => t.endsWith('@compiled.example.org')))).toHaveLength(25);
    expect(output).not.toMatch(/tsx|ERR_UNKNOWN_FILE_EXTENSION/);
  });
});
