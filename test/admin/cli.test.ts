import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, EDITOR_TOKEN, type Harness, importActive, until } from '../support/harness.ts';
import { createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { createWorkerRegistry } from '../../src/ops/workerRegistry.ts';
import { formatStatus } from '../../cli/commands/status.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const seedPath = fileURLToPath(new URL('../fixtures/seed-brief.md', import.meta.url));
let h: Harness;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), 'briefwire-cli-'));

beforeAll(async () => {
  // Only the bounce-* addresses are unknown to the relay (restore-bounced below); everyone else is delivered.
  h = await createHarness({ workers: true, smtp: { onRcpt: (a) => (a.startsWith('bounce-') ? { code: 550, message: '5.1.1 No such user' } : undefined) } });
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

    for (const cmd of [['brief'], ['dispatch'], ['subscribers'], ['status'], ['start'], ['api'], ['worker']]) {
      const help = await cli([...cmd, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`briefwire ${cmd[0]}`);
    }
  }, 120_000);

  it('dispatch restore-bounced puts back the readers a dispatch bounced and prints "restored N"', async () => {
    const bounced = await Promise.all(['bounce-1@example.org', 'bounce-2@example.org'].map((e) => importActive(h, e)));
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    await waitForStatus(h, id, 'done', 30_000);
    for (const b of bounced) expect((await h.services.subscribers.get(b.id))?.status).toBe('bounced');

    const res = await cli(['dispatch', 'restore-bounced', id]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('restored 2\n');
    for (const b of bounced) expect((await h.services.subscribers.get(b.id))?.status).toBe('active');
    expect((await cli(['dispatch', 'restore-bounced', id])).stdout).toBe('restored 0\n');

    const missing = await cli(['dispatch', 'restore-bounced', 'no-such-dispatch']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error NOT_FOUND');
    const noId = await cli(['dispatch', 'restore-bounced']);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toContain('a dispatch ID is required');
  }, 120_000);

  it('dispatch pause, resume and cancel change the state and print it; a change that does not apply is INVALID_STATE', async () => {
    const brief = await createBrief(h);
    const at = new Date(Date.now() + 3600_000).toISOString();
    const id = (await dispatch(h, brief.id, { at })).json().id as string;
    const pause = await cli(['dispatch', 'pause', id]);
    expect(pause.code).toBe(1);
    expect(pause.stderr).toContain('error INVALID_STATE');
    const cancel = await cli(['dispatch', 'cancel', id]);
    expect(cancel.stderr).toBe('');
    expect(cancel.stdout).toBe(`dispatch ${id} cancelled\n`);
    expect((await h.services.dispatches.get(id))?.status).toBe('cancelled');
    const resume = await cli(['dispatch', 'resume', id]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain('error INVALID_STATE');
  }, 120_000);

  it('status lists the live worker with host, pid and both lanes\' relay health', async () => {
    const registry = createWorkerRegistry(h.services.redis, h.services.keys);
    // Mail has gone out by now; wait for the heartbeat that says so.
    const [w] = await until(() => registry.live(), (ws) => ws.length === 1 && !!ws[0]!.smtp.bulk.lastOkAt, 20_000, 'a heartbeat after a send');
    const res = await cli(['status']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^worker ${w!.id}  host ${hostname()}  pid ${process.pid}  started \\S+  last seen \\S+ \\(\\d+s ago\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^  transactional  relay 127\\.0\\.0\\.1:${h.smtp.port}  last ok .*  last error `));
    expect(lines[2]).toMatch(new RegExp(`^  bulk           relay 127\\.0\\.0\\.1:${h.smtp.port}  last ok \\S+ \\(\\d+s ago\\)  last error none$`));
    const json = await cli(['status', '--json']);
    expect(JSON.parse(json.stdout).workers[0]).toMatchObject({ id: w!.id, pid: process.pid });
  }, 120_000);
});

describe('briefwire status without workers', () => {
  it('says no worker is running and exits 1', async () => {
    const bare = await createHarness();
    try {
      await bare.app.listen({ port: 0, host: '127.0.0.1' });
      const res = await cli(['status'], { BRIEFWIRE_URL: `http://127.0.0.1:${(bare.app.server.address() as AddressInfo).port}` });
      expect(res.stdout).toBe('no worker is running\n');
      expect(res.code).toBe(1);
    } finally {
      await bare.close();
    }
  }, 60_000);

  it('prints a relay\'s reply with its phase, control characters defused (no terminal escapes from the relay)', () => {
    const seenAt = new Date().toISOString();
    const out = formatStatus([
      {
        id: 'w1', host: 'mailer-1', pid: 42, startedAt: seenAt, seenAt,
        smtp: {
          transactional: { kind: 'outbox' },
          bulk: { kind: 'smtp', relay: 'relay.example.net:587', lastError: { at: seenAt, phase: 'message', code: 'EMESSAGE', kind: 'refused', reply: 'EMESSAGE at the end of data: 554 5.7.1 \u001b]0;owned\u0007\u001b[2Jbad\rnews' } },
        },
      },
    ]);
    // Newlines between entries only: no ESC, BEL or CR from the reply reaches the terminal.
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain('  transactional  outbox (no relay)  last ok never  last error none');
    expect(out).toContain('  bulk           relay relay.example.net:587  last ok never  last error');
    expect(out).toContain('at message: EMESSAGE refused: EMESSAGE at the end of data: 554 5.7.1 ?]0;owned??[2Jbad?news');
  });
});
