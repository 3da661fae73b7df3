import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadLua } from '../../src/redis/lua.ts';
import { createDispatchFeedbackCounts } from '../../src/feedback/dispatchCounts.ts';
import { createRedisLease } from '../../src/feedback/inbound/lease.ts';
import { createFeedState } from '../../src/feed/state.ts';
import { createSendRateLimiter } from '../../src/dispatch/sendRate.ts';
import { createHarness, REDIS_URL, until, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { checkLua } from './luaCheck.ts';
import { startMonitor, type MonitorLine } from './monitor.ts';

/**
 * Every Lua script is a .lua file whose header lists its KEYS and ARGV, and
 * which takes every key it touches in KEYS (keys.ts names them all; nothing is
 * concatenated in Lua). Statically, file by file; and at run time, by watching
 * MONITOR while the real services run each script under a private prefix.
 */

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

const luaFiles = filesUnder(SRC, '.lua');
const isInclude = (path: string) => path.split(/[\\/]/).includes('includes');
const scripts = luaFiles.filter((f) => !isInclude(f));
const check = (path: string) => checkLua(relative(SRC, path), readFileSync(path, 'utf8'), loadLua(pathToFileURL(path)).lua);

describe('Lua scripts, read statically', () => {
  it('live in src/<dir>/lua/, each loaded by the module beside it', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(20);
    const modules = filesUnder(SRC, '.ts').map((f) => ({ dir: dirname(f), text: readFileSync(f, 'utf8') }));
    for (const file of scripts) {
      const dir = dirname(file).replace(/[\\/]lua$/, '');
      expect(file, 'a script sits in a lua/ folder').toMatch(/[\\/]lua[\\/][A-Za-z0-9]+\.lua$/);
      const name = file.split(/[\\/]/).at(-1)!;
      const users = modules.filter((m) => m.dir === dir && m.text.includes(`loadLua(new URL('./lua/${name}', import.meta.url))`));
      expect(users.length, `${relative(SRC, file)} is loaded by a module in ${relative(SRC, dir)}`).toBe(1);
    }
  });

  it('have a header listing KEYS and ARGV that matches the code, and take every key from KEYS', () => {
    const problems = scripts.flatMap((f) => check(f).problems);
    expect(problems).toEqual([]);
  });

  it('includes have a header, and read neither KEYS nor ARGV (their callers pass keys in)', () => {
    for (const file of luaFiles.filter(isInclude)) {
      const text = readFileSync(file, 'utf8');
      expect(text.trimStart().startsWith('--[['), file).toBe(true);
      const code = text.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--[^\n]*/g, '');
      expect(code, file).not.toMatch(/\bKEYS\b|\bARGV\b/);
    }
  });

  it('no TypeScript in src holds Lua, or runs a script other than through src/redis/lua.ts', () => {
    for (const file of filesUnder(SRC, '.ts')) {
      const text = readFileSync(file, 'utf8');
      expect(text, relative(SRC, file)).not.toMatch(/redis\.call\(/);
      if (file.endsWith(join('redis', 'lua.ts'))) continue;
      expect(text, relative(SRC, file)).not.toMatch(/\.(eval|evalsha|defineCommand)\(/);
    }
  });

  it('the checker itself catches the old style: a key built from ARGV, a missing header, an undeclared index', () => {
    const old = `--[[\n  Input:\n    KEYS[1] x\n    ARGV[1] prefix\n  Output:\n    y\n]]\nlocal d = ARGV[1] .. ':dispatch:' .. KEYS[1]\nreturn redis.call('HGET', d, 'status')\n`;
    expect(checkLua('old.lua', old, old).problems.join('\n')).toMatch(/HGET.*does not come from KEYS/);
    const suffixed = `--[[\n  Input:\n    KEYS[1] x\n  Output:\n    y\n]]\nreturn redis.call('DEL', KEYS[1], KEYS[1] .. ':recent')\n`;
    expect(checkLua('suffix.lua', suffixed, suffixed).problems.join('\n')).toMatch(/DEL.*does not come from KEYS/);
    expect(checkLua('bare.lua', "return redis.call('GET', KEYS[1])", "return redis.call('GET', KEYS[1])").problems.join('\n')).toMatch(/no header/);
    const undeclared = `--[[\n  Input:\n    KEYS[1] x\n  Output:\n    y\n]]\nreturn redis.call('GET', KEYS[2])\n`;
    expect(checkLua('u.lua', undeclared, undeclared).problems.join('\n')).toMatch(/uses KEYS\[2\], not declared[\s\S]*declares KEYS\[1\] but never uses it/);
    const viaParam = `--[[\n  Input:\n    ARGV[1] p\n  Output:\n    y\n]]\nlocal function f(k) return redis.call('GET', k) end\nreturn f(ARGV[1] .. ':x')\n`;
    expect(checkLua('p.lua', viaParam, viaParam).problems.join('\n')).toMatch(/GET.*does not come from KEYS/);
  });
});

/** Commands whose every argument is a key; for the others the scripts use, the first one is. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS', 'TOUCH']);

describe('Lua scripts, watched at run time', () => {
  let h: Harness;
  let monitor: Awaited<ReturnType<typeof startMonitor>>;
  beforeAll(async () => {
    monitor = await startMonitor(REDIS_URL);
    h = await createHarness({ workers: true, env: { SEND_RATE: '1000', SIGNUP_LIMIT_PER_IP: '1000' } });
  });
  afterAll(async () => {
    monitor?.stop();
    await h?.close();
  });

  it('every key a script touches is among the KEYS of its call', async () => {
    const redis = h.services.redis;
    const { subscribers, dispatches } = h.services;
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };

    // A subscriber signs up and confirms (signup, claimConfirmationSlot, confirm).
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'watched@example.org', topics: ['Russia'] } });
    expect(res.statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.to('watched@example.org').length === 1);
    const link = /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(h.smtp.to('watched@example.org')[0]!.parsed.text ?? '')![1]!;
    expect((await h.app.inject({ method: 'POST', url: link })).statusCode).toBe(200);

    // An audience, a brief, a dispatch to the end, and a forced second one (importRow, reserveSlug, create, the ledger scripts).
    const ids = await addSubscribers(h, 6);
    await subscribers.importRow({ email: 'user0@example.org', name: 'again', topics: [], status: 'active', event: ev });
    const brief = await createBrief(h);
    const first = await dispatch(h, brief.id);
    expect(first.statusCode).toBe(202);
    const d = (first.json() as { id: string }).id;
    await waitForStatus(h, d, 'done');
    const again = await dispatch(h, brief.id, { force: true });
    await waitForStatus(h, (again.json() as { id: string }).id, 'done');

    // A daily reader, a brief for them, and an editor's digest run (the digest scripts: createSend, take).
    await subscribers.importRow({ email: 'daily@example.org', name: '', topics: ['Russia'], status: 'active', event: ev, cadence: 'daily' });
    const forDigest = await dispatch(h, (await createBrief(h, { title: 'Gathered into a digest', topics: ['Russia'] })).id);
    await waitForStatus(h, (forDigest.json() as { id: string }).id, 'done');
    expect((await h.app.inject({ method: 'POST', url: '/api/digests/run', headers: h.auth })).statusCode).toBe(202);
    const digests = async () => (await h.app.inject({ method: 'GET', url: '/api/digests', headers: h.auth })).json().items as { status: string }[];
    await until(digests, (items) => items.some((d) => d.status === 'done'), 20_000, 'a digest sent');

    // The rest of the subscriber and dispatch scripts, called directly.
    await subscribers.setTopics(ids[1]!, ['Ukraine']);
    await subscribers.leave(ids[1]!, 'bounced', { type: 'bounce', at: ev.at, detail: 'test' });
    await subscribers.restoreBounced([ids[1]!, ids[2]!], { type: 'restore', at: ev.at, dispatchId: d, detail: 'test' });
    await subscribers.erase(ids[3]!);
    await dispatches.transition(d, 'sending', ['done']);
    await dispatches.claim(d, [{ subscriberId: ids[4]! }, { subscriberId: ids[5]!, previous: { subscriberId: ids[4]!, outcome: 'sent' } }]);
    await dispatches.record(d, ids[5]!, 'release');
    await dispatches.recordBounce(d, ids[0]!, 0.5);
    await dispatches.transition(d, 'paused', ['sending']);
    await dispatches.transition(d, 'sending', ['paused']);
    await dispatches.checkpoint(d, 0, 0, 0);
    // An id with no ledger entry yet: unsettled, so it is failed, then put back.
    expect(await dispatches.failUnsettled(d, ['999999'])).toBe(1);
    expect(await dispatches.resetFailed(d, ['999999'])).toBe(1);
    await dispatches.batchDone(d, 0);
    await dispatches.transition(d, 'done', ['sending']);
    await dispatches.startRetry(d);
    await createSendRateLimiter(redis, h.services.keys, 10).acquire();
    const feed = createFeedState(redis, h.services.keys);
    expect(await feed.claim(['id:watched', 'link:https://example.org/watched'])).toBe(true);
    const release = await feed.lock('watchedfeed', 5_000);
    await release!();
    await subscribers.leave(ids[2]!, 'complained', { type: 'complaint', at: ev.at, detail: 'test', source: 'arf' });
    await subscribers.restore(ids[2]!, 'complained', { type: 'restore', at: ev.at, editor: 'editor 1', from: 'complained', detail: 'test' });
    const counts = createDispatchFeedbackCounts(redis, h.services.keys, { rate: 0.5, minSent: 1 });
    await counts.bounced(d, ids[0]!);
    await counts.complained(d, ids[0]!);
    const lease = createRedisLease(redis, h.services.keys.feedbackImapLock);
    expect(await lease.acquire(5_000)).toBe(true);
    await lease.release();

    // MONITOR is written before a reply; one more round trip, seen on the monitor, means it has everything before it.
    const sentinel = `${h.prefix}:sentinel`;
    await redis.get(sentinel);
    await until(async () => monitor.lines.some((l) => l.args[1] === sentinel), (seen) => seen, 10_000, 'monitor caught up');

    const ours = new Map(scripts.map((f) => [createHash('sha1').update(loadLua(pathToFileURL(f)).lua).digest('hex'), relative(SRC, f)]));
    const runs = scriptRuns(monitor.lines, ours, h.prefix);
    const seen = new Set(runs.map((r) => r.file));
    expect([...ours.values()].filter((f) => !seen.has(f)), 'scripts not run by this flow').toEqual([]);
    const strays: string[] = [];
    for (const run of runs) {
      for (const line of run.inner) {
        const command = line.args[0]!.toUpperCase();
        const touched = ALL_KEYS.has(command) ? line.args.slice(1) : line.args.slice(1, 2);
        for (const key of touched) if (!run.keys.includes(key)) strays.push(`${run.file}: ${command} ${key} (KEYS: ${run.keys.join(' ')})`);
      }
    }
    expect(strays).toEqual([]);
  });
});

/**
 * Our scripts' calls under `prefix`, each with the commands it ran. A
 * script's own commands are fed to MONITOR as one unbroken run of 'lua'
 * lines, next to its EVAL/EVALSHA line: after it on Redis 7.0, before it on
 * versions that log a command once it has run. Which one is read off the first
 * call that ran any command.
 */
function scriptRuns(lines: MonitorLine[], ours: Map<string, string>, prefix: string) {
  const isCall = (l: MonitorLine) => l.source !== 'lua' && /^eval(sha)?$/i.test(l.args[0] ?? '');
  const firstLua = lines.findIndex((l) => l.source === 'lua');
  const innerFollows = firstLua > 0 && isCall(lines[firstLua - 1]!);
  const runs: { file: string; keys: string[]; inner: MonitorLine[] }[] = [];
  lines.forEach((line, i) => {
    if (!isCall(line)) return;
    const sha = /^evalsha$/i.test(line.args[0]!) ? line.args[1]! : createHash('sha1').update(Buffer.from(line.args[1]!, 'latin1')).digest('hex');
    const file = ours.get(sha);
    const keys = line.args.slice(3, 3 + Number(line.args[2]));
    if (!file || !keys.some((k) => k.startsWith(prefix))) return;
    const inner: MonitorLine[] = [];
    for (let j = innerFollows ? i + 1 : i - 1; j >= 0 && j < lines.length && lines[j]!.source === 'lua'; j += innerFollows ? 1 : -1) inner.push(lines[j]!);
    runs.push({ file, keys, inner });
  });
  return runs;
}
