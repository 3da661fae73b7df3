import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { testEnv, EDITOR_TOKEN, until } from '../support/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';
import { freePort, startRedisCluster, type PrivateCluster } from '../support/redisServers.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { seedBrief } from '../dispatch/support.ts';

/**
 * Redis Cluster, three masters: the API and two workers as separate
 * processes run signup -> confirm -> brief -> dispatch -> delivery unchanged.
 * Every key shares the prefix's hash tag, so no Lua script or BullMQ
 * command crosses slots (a CROSSSLOT error would fail a step here).
 */

let cluster: PrivateCluster;
let smtp: TestSmtpServer;
let base: string;
const procs: BriefwireProcess[] = [];
const auth = { authorization: `Bearer ${EDITOR_TOKEN}`, 'content-type': 'application/json' };

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  smtp = await startSmtpServer();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = testEnv(`{bwt-${randomBytes(4).toString('hex')}}`, smtp.url, {
    REDIS_CLUSTER_NODES: cluster.nodes,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DISPATCH_BATCH_SIZE: '10',
    SIGNUP_LIMIT_PER_IP: '1000',
    JOB_LOCK_MS: '2000',
  });
  procs.push(spawnBriefwire('api', env), spawnBriefwire('worker', env), spawnBriefwire('worker', env));
  await until(() => fetch(`${base}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, 30_000, 'API ready on the cluster');
}, 90_000);
afterAll(async () => {
  await stopAll(procs);
  await smtp?.close();
  await cluster?.close();
});

const api = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { ...auth, ...(init.headers ?? {}) } });

describe('on a 3-master Redis Cluster, API and two workers as processes', () => {
  it('signup, confirm, brief, dispatch and delivery work unchanged', async () => {
    const addresses = Array.from({ length: 30 }, (_, i) => `reader${i}@cluster.example.org`);
    for (const email of addresses) {
      const res = await fetch(`${base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, topics: ['Russia'] }) });
      expect(res.status, email).toBe(202);
    }
    await smtp.waitFor(() => addresses.every((a) => smtp.to(a).length === 1), 60_000);
    for (const a of addresses) {
      const link = /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]+)/.exec(smtp.to(a)[0]!.parsed.text ?? '')![1]!;
      expect((await fetch(`${base}${link}`, { method: 'POST' })).status, a).toBe(200);
    }
    const brief = await api('/api/briefs', { method: 'POST', body: JSON.stringify({ ...seedBrief(), title: 'Clustered' }) });
    expect(brief.status).toBe(201);
    const { id: briefId } = (await brief.json()) as { id: string };
    const created = await api(`/api/briefs/${briefId}/dispatches`, { method: 'POST', body: '{}' });
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as { id: string };
    const done = await until(() => api(`/api/dispatches/${id}`).then((r) => r.json() as Promise<Record<string, any>>), (d) => d.status === 'done', 60_000, 'dispatch');
    expect(done).toMatchObject({ total: 30, sent: 30, failed: 0, uncertain: 0, missing: 0 });
    for (const a of addresses) expect(smtp.to(a).filter((m) => m.parsed.subject?.includes('Clustered')), a).toHaveLength(1);
    // No process logged a cross-slot error.
    expect(procs.map((p) => p.output()).join('\n')).not.toMatch(/CROSSSLOT/);
  }, 120_000);
});
