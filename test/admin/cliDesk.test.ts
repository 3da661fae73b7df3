import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, EDITOR_TOKEN, importActive, type Harness } from '../support/harness.ts';
import { waitForStatus } from '../dispatch/support.ts';

/** The CLI's parity with the desk (issue 18): brief edit / rm / archive, dispatch list / retry-failed, run as the real binary. */

const root = fileURLToPath(new URL('../..', import.meta.url));
const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'briefwire-cli-desk-'));
let h: Harness;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  // nope-* addresses are refused for good: a dispatch to them ends with failed recipients.
  h = await createHarness({ workers: true, smtp: { onRcpt: (a) => (a.startsWith('nope-') ? { code: 550, message: '5.1.1 No such user' } : undefined) } });
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  env = { ...process.env, BRIEFWIRE_URL: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`, BRIEFWIRE_TOKEN: EDITOR_TOKEN };
}, 60_000);
afterAll(async () => h?.close());

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/briefwire.js', ...args], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const variant = (slug: string, title = 'CLI brief on the front line') => seed.replace(/^slug: .*$/m, `slug: "${slug}"`).replace(/^title: .*$/m, `title: "${title}"`);
const addBrief = async (slug: string) => {
  const r = await cli(['brief', 'add', file(`${slug}.md`, variant(slug))]);
  expect(r.code, r.stderr).toBe(0);
  return /^brief (b\d+) /m.exec(r.stdout)![1]!;
};

describe('briefwire brief edit | rm | archive', () => {
  it('edit replaces a draft and prints its new version and what changed; bad fields come with their lines', async () => {
    const id = await addBrief('cli-edit');
    const edited = await cli(['brief', 'edit', id, file('cli-edit-2.md', variant('cli-edit', 'CLI brief on the front lines'))]);
    expect(edited.stderr).toBe('');
    expect(edited.code).toBe(0);
    expect(edited.stdout).toBe(`brief ${id} version 2 cli-edit\nchanged: title\n`);
    expect((await h.services.briefs.get(id))?.brief.title).toBe('CLI brief on the front lines');

    const bad = await cli(['brief', 'edit', id, file('cli-edit-bad.md', variant('cli-edit').replace('publishedAt: 2024-05-30', 'publishedAt: 2024-13-01'))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error INVALID_INPUT: The Markdown brief could not be read.');
    expect(bad.stderr).toContain('  line 4: publishedAt: must be a real date');
    expect((await cli(['brief', 'edit', id])).code).toBe(2);
    expect((await cli(['brief', 'edit', 'b999999', file('x.md', variant('x'))])).stderr).toContain('error NOT_FOUND');
  }, 60_000);

  it('a sent brief: edit and rm say BRIEF_SENT; archive hides it; rm deletes a draft', async () => {
    await importActive(h, 'cli-desk-reader@example.org');
    const sent = await addBrief('cli-sent');
    const d = (await h.app.inject({ method: 'POST', url: `/api/briefs/${sent}/dispatches`, headers: h.auth, payload: {} })).json().id as string;
    await waitForStatus(h, d, 'done', 30_000);
    const edit = await cli(['brief', 'edit', sent, file('cli-sent-2.md', variant('cli-sent', 'Too late'))]);
    expect(edit.code).toBe(1);
    expect(edit.stderr).toMatch(/^error BRIEF_SENT: This brief has been sent/m);
    const rm = await cli(['brief', 'rm', sent]);
    expect(rm.code).toBe(1);
    expect(rm.stderr).toContain('error BRIEF_SENT');
    const archive = await cli(['brief', 'archive', sent]);
    expect(archive.stdout).toBe(`archived ${sent}\n`);
    expect((await h.services.briefs.list({ limit: 200 })).map((b) => b.id)).not.toContain(sent);

    const draft = await addBrief('cli-draft');
    const gone = await cli(['brief', 'rm', draft]);
    expect(gone.stderr).toBe('');
    expect(gone.stdout).toBe(`deleted ${draft}\n`);
    expect(await h.services.briefs.get(draft)).toBeNull();
    const again = await cli(['brief', 'rm', draft]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error NOT_FOUND');
  }, 60_000);
});

describe('briefwire dispatch list | retry-failed', () => {
  it('retry-failed requeues the failed recipients of a finished dispatch, and refuses one that has not finished', async () => {
    await importActive(h, 'nope-1@example.org');
    const id = await addBrief('cli-retry');
    const scheduled = (await h.app.inject({ method: 'POST', url: `/api/briefs/${id}/dispatches`, headers: h.auth, payload: { at: new Date(Date.now() + 3_600_000).toISOString() } })).json().id as string;
    const early = await cli(['dispatch', 'retry-failed', scheduled]);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('error INVALID_STATE: Only a finished dispatch can retry its failed recipients.');

    const list = await cli(['dispatch', 'list']);
    expect(list.code).toBe(0);
    const line = list.stdout.split('\n').find((l) => l.startsWith(`${scheduled} `));
    expect(line).toMatch(new RegExp(`^${scheduled} +scheduled +${id} +at \\d{4}-\\d{2}-\\d{2}T\\S+ +sent 0/0 failed 0 suppressed 0 uncertain 0$`));
    expect(JSON.parse((await cli(['dispatch', 'list', '--json'])).stdout).items[0].id).toBe(scheduled);

    expect((await cli(['dispatch', 'cancel', scheduled])).stdout).toBe(`dispatch ${scheduled} cancelled\n`);
    const sent = (await h.app.inject({ method: 'POST', url: `/api/briefs/${id}/dispatches`, headers: h.auth, payload: { force: true } })).json().id as string;
    const done = await waitForStatus(h, sent, 'done', 30_000);
    expect(done.failed).toBeGreaterThan(0);
    const retry = await cli(['dispatch', 'retry-failed', sent]);
    expect(retry.stderr).toBe('');
    expect(retry.stdout).toBe(`dispatch ${sent} requeued ${done.failed}\n`);
    expect((await cli(['dispatch', 'list'])).stdout).toMatch(new RegExp(`^${sent} +(sending|done) `, 'm'));
  }, 60_000);

  it('every new command has --help; usage errors exit 2', async () => {
    for (const args of [['brief', 'edit', '--help'], ['brief', 'rm', '--help'], ['brief', 'archive', '--help'], ['dispatch', 'list', '--help'], ['dispatch', 'retry-failed', '--help']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain(`briefwire ${args[0]} ${args[1]}`);
    }
    expect((await cli(['brief', 'rm'])).code).toBe(2);
    expect((await cli(['dispatch', 'retry-failed'])).code).toBe(2);
    expect((await cli(['dispatch', 'list', 'd1'])).code).toBe(2);
    expect((await cli(['dispatch', 'status', 'd1', '--json'])).code).toBe(2);
    expect((await cli(['--help'])).stdout).toContain('briefwire dispatch retry-failed ID');
  }, 60_000);
});
