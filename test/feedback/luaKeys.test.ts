import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLua } from '../../src/redis/lua.ts';
import { createDispatchFeedbackCounts } from '../../src/feedback/dispatchCounts.ts';
import { createHarness, importActive, REDIS_URL, until, type Harness } from '../support/harness.ts';
import { startMonitor, type MonitorLine } from '../redis/monitor.ts';

/**
 * The feedback scripts (src/feedback/lua/countFeedback.lua, the editor's
 * src/subscribers/lua/restore.lua and the SMTP-time src/dispatch/lua/bounce.lua)
 * touch only the keys they are given, watched under MONITOR as
 * test/redis/luaScripts.test.ts watches the others.
 */

const SCRIPTS = ['../../src/feedback/lua/countFeedback.lua', '../../src/subscribers/lua/restore.lua', '../../src/dispatch/lua/bounce.lua'];
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS', 'TOUCH']);

let h: Harness;
let monitor: Awaited<ReturnType<typeof startMonitor>>;
beforeAll(async () => {
  monitor = await startMonitor(REDIS_URL);
  h = await createHarness();
});
afterAll(async () => {
  monitor?.stop();
  await h?.close();
});

describe('feedback Lua under MONITOR', () => {
  it('every key each script touches is among the KEYS of its call', async () => {
    const { redis, keys, subscribers, dispatches } = h.services;
    const { id: d } = await dispatches.create({ briefId: 'b1', topics: [], force: false });
    await redis.hset(keys.dispatch(d), 'status', 'sending', 'sent', '10');
    const reader = (await importActive(h, 'watched@lua.example.org')).id;
    const counts = createDispatchFeedbackCounts(redis, keys, { rate: 0.05, minSent: 5 });
    await counts.bounced(d, reader);
    expect(await counts.complained(d, reader)).toEqual({ counted: true, paused: true });
    await counts.complained(d, reader);
    await dispatches.claim(d, [{ subscriberId: reader }]);
    await dispatches.recordBounce(d, reader, 0.5);
    await subscribers.leave(reader, 'bounced', { type: 'bounce', at: new Date().toISOString(), detail: 'x', source: 'dsn' });
    await subscribers.restore(reader, 'bounced', { type: 'restore', at: new Date().toISOString(), editor: 'token:x', from: 'bounced', detail: 'x' });

    const sentinel = `${h.prefix}:sentinel`;
    await redis.get(sentinel);
    await until(async () => monitor.lines.some((l) => l.args[1] === sentinel), (seen) => seen, 10_000, 'monitor caught up');

    const ours = new Map(SCRIPTS.map((f) => [createHash('sha1').update(loadLua(new URL(f, import.meta.url)).lua).digest('hex'), f.split('/').slice(-2).join('/')]));
    const runs = scriptRuns(monitor.lines, ours, h.prefix);
    expect(new Set(runs.map((r) => r.file))).toEqual(new Set(ours.values()));
    const strays = runs.flatMap((run) =>
      run.inner.flatMap((line) => {
        const command = line.args[0]!.toUpperCase();
        const touched = ALL_KEYS.has(command) ? line.args.slice(1) : line.args.slice(1, 2);
        return touched.filter((k) => !run.keys.includes(k)).map((k) => `${run.file}: ${command} ${k}`);
      }),
    );
    expect(strays).toEqual([]);
    expect(runs.every((r) => r.inner.length > 0)).toBe(true);
  });
});

/** Our scripts' calls under `prefix`, each with the commands it ran (see test/redis/luaScripts.test.ts). */
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
