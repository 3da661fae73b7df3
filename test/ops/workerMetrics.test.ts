import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { freePort } from '../support/redisServers.ts';

let h: Harness | undefined;
let procs: BriefwireProcess[] = [];
afterEach(async () => {
  await stopAll(procs);
  procs = [];
  await h?.close();
  h = undefined;
});

describe('a worker process', { timeout: 120_000 }, () => {
  it('serves /healthz and its own /metrics on WORKER_PORT, counting what it sent; METRICS_TOKEN guards /metrics', async () => {
    h = await createHarness();
    const port = await freePort();
    const worker = spawnBriefwire('worker', { ...h.env, LOG_LEVEL: 'warn', WORKER_PORT: String(port), METRICS_TOKEN: 'worker-metrics-token-0123456789' });
    procs = [worker];
    const base = `http://127.0.0.1:${port}`;
    await until(() => fetch(`${base}/healthz`).then((r) => r.status, () => 0), (s) => s === 200, 30_000, `worker /healthz (${worker.output()})`);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    await addSubscribers(h, 4, () => [], 'scraped.example.org');
    const brief = await createBrief(h, { title: 'Scraped' });
    await waitForStatus(h, (await dispatch(h, brief.id)).json().id as string, 'done');
    const text = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer worker-metrics-token-0123456789' } })).text();
    const sent = /^briefwire_emails_total\{lane="bulk",outcome="sent"\} (\d+)/m.exec(text);
    expect(Number(sent?.[1])).toBe(4);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });
});
