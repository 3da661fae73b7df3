import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, EDITOR_TOKEN, type Harness, importActive } from '../support/harness.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seedPath = fileURLToPath(new URL('../fixtures/seed-brief.md', import.meta.url));
let h: Harness;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'briefwire-cli-'));

beforeAll(async () => {
  h = await createHarness({ workers: true });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  env = { ...process.env, BRIEFWIRE_URL: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`, BRIEFWIRE_TOKEN: EDITOR_TOKEN };
}, 60_000);
afterAll(async () => h?.close());

/** Runs the real CLI (bin/briefwire.js) as a child process. */
function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/briefwire.js', ...args], { cwd: root, env: { ...env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('briefwire CLI against a running app', () => {
  it('brief add --dispatch, then dispatch status draws progress until done', async () => {
    for (const email of ['cli-a@example.org', 'cli-b@example.org']) {
      await importActive(h, email);
    }
    const add = await cli(['brief', 'add', seedPath, '--dispatch']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const briefId = /^brief (b\d+) 2024-05-30-us-green-light-strikes-inside-russia$/m.exec(add.stdout)?.[1];
    const dispatchId = /^dispatch (\S+)$/m.exec(add.stdout)?.[1];
    expect(briefId).toBeDefined();
    expect(dispatchId).toBeDefined();
    expect((await h.services.briefs.get(briefId!))?.brief.title).toContain('green light');

    const status = await cli(['dispatch', 'status', dispatchId!, '--interval', '200']);
    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^\[█{30}\] 100%  sent 2 failed 0 suppressed 0 uncertain 0 of 2 .* done$/);
    expect(h.smtp.to('cli-a@example.org')).toHaveLength(1);
    expect(h.smtp.to('cli-b@example.org')).toHaveLength(1);

    const again = await cli(['dispatch', 'status', dispatchId!, '--once']);
    expect(again.stdout).toContain('100%');
  }, 120_000);

  it('reports a bad brief field by field, a wrong token and a missing dispatch with their codes', async () => {
    const bad = join(dir, 'bad.md');
    writeFileSync(bad, readFileSync(seedPath, 'utf8').replace('publishedAt: 2024-05-30', 'publishedAt: 2024-13-01'));
    const res = await cli(['brief', 'add', bad]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('error INVALID_INPUT');
    expect(res.stderr).toContain('publishedAt: must be a real date');

    const denied = await cli(['dispatch', 'status', '1', '--once', '--token', 'wrong-token']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('error UNAUTHORIZED');
    const missing = await cli(['dispatch', 'status', 'no-such-dispatch', '--once']);
    expect(missing.stderr).toContain('error NOT_FOUND');
    const noToken = await cli(['dispatch', 'status', '1'], { BRIEFWIRE_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('token: is required');
  }, 120_000);

  it('subscribers import --active and export round-trip through CSV; --help works on each command', async () => {
    const csvPath = join(dir, 'in.csv');
    writeFileSync(csvPath, 'email,name,topics,consent\ncsv-one@example.org,One,Ukraine|Russia,paper form 2024-05-01\nnot-an-address,Two,,\n');
    const imp = await cli(['subscribers', 'import', csvPath, '--active']);
    expect(imp.stdout).toContain('imported 1, updated 0, skipped 0, refused 1');
    expect(imp.stderr).toContain('line 3:');
    expect(imp.code).toBe(1);
    expect((await h.services.subscribers.findByEmail('csv-one@example.org'))?.status).toBe('active');

    const outPath = join(dir, 'out.csv');
    const exp = await cli(['subscribers', 'export', outPath, '--status', 'active']);
    expect(exp.code).toBe(0);
    const out = readFileSync(outPath, 'utf8');
    expect(out).toMatch(/csv-one@example\.org,One,Ukraine\|Russia,.*paper form 2024-05-01.*,active/);

    for (const cmd of [['brief'], ['dispatch'], ['subscribers'], ['start'], ['api'], ['worker']]) {
      const help = await cli([...cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`briefwire ${cmd[0]}`);
    }
  }, 120_000);
});
