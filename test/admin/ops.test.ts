import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness, importActive } from '../support/harness.ts';

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');

/** One sample line of the Prometheus text format: name, optional labels, a number. */
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)$/;

function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        expect(meta[3]).toMatch(/^(counter|gauge|histogram|summary|untyped)$/);
        typed.add(meta[2]!);
      }
      continue;
    }
    expect(line, `not a Prometheus sample line: ${line}`).toMatch(SAMPLE);
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0].replace(/_(bucket|sum|count)$/, '');
    expect(typed.has(name) || typed.has(/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]), `sample before its TYPE: ${line}`).toBe(true);
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('/metrics', () => {
  let h: Harness;
  afterAll(async () => h?.close());

  it('is valid Prometheus text, and the email counter and dispatch gauge move after a dispatch', async () => {
    h = await createHarness({ workers: true });
    const before = parsePrometheus((await h.app.inject({ url: '/metrics' })).body);
    const sentBefore = before.get('briefwire_emails_total{lane="bulk",outcome="sent"}') ?? 0;
    for (const email of ['m1@example.org', 'm2@example.org']) {
      await importActive(h, email);
    }
    const brief = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: seed });
    const d = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.json().id}/dispatches`, headers: h.auth, payload: {} });
    const id = d.json().id as string;
    await until(async () => (await h.app.inject({ url: `/api/dispatches/${id}`, headers: h.auth })).json().status, (s) => s === 'done', 30_000, 'dispatch done');

    const res = await h.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const after = parsePrometheus(res.body);
    expect(after.get('briefwire_emails_total{lane="bulk",outcome="sent"}')).toBe(sentBefore + 2);
    expect(after.get(`briefwire_dispatch_recipients{dispatch="${id}",state="sent"}`)).toBe(2);
    expect(after.get(`briefwire_dispatch_recipients{dispatch="${id}",state="total"}`)).toBe(2);
    expect(after.get(`briefwire_jobs_total{queue="${h.services.queues.deliver.name}",result="completed"}`)).toBeGreaterThanOrEqual(1);
    expect([...after.keys()].some((k) => k.startsWith('briefwire_send_seconds_bucket{'))).toBe(true);
    expect([...after.keys()].some((k) => k.startsWith(`briefwire_queue_jobs{queue="${h.services.queues.mail.name}"`))).toBe(true);
  }, 60_000);
});

describe('/readyz', () => {
  let redis: ChildProcess | undefined;
  let h: Harness | undefined;
  let port = 0;

  const freePort = () =>
    new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  const startRedis = async () => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 0 });
    probe.on('error', () => {});
    await until(() => probe.ping().catch(() => 'down'), (v) => v === 'PONG', 10_000, 'private redis-server');
    probe.disconnect();
    return child;
  };
  const stopRedis = async (child: ChildProcess | undefined) => {
    // A killed child has a signalCode and no exitCode.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };

  afterAll(async () => {
    await h?.close();
    await stopRedis(redis);
  });

  it('answers 200 while Redis answers, and 503 naming Redis (not a hang) once it is stopped; opens no SMTP session', async () => {
    port = await freePort();
    redis = await startRedis();
    h = await createHarness({ env: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    const ok = await h.app.inject({ url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    // An anonymous prober learns up or down, nothing more.
    expect(ok.json()).toEqual({ status: 'ready' });
    const okForEditor = await h.app.inject({ url: '/readyz', headers: h.auth });
    // No worker runs in this harness: the heartbeats say so; readiness is still Redis's alone.
    expect(okForEditor.json()).toEqual({ status: 'ready', checks: { redis: { ok: true } }, smtp: { workers: 0, failing: 0 } });
    // Readiness is Redis only: the API never talks to the relay to answer it.
    expect(h.smtp.connections()).toBe(0);

    await stopRedis(redis);
    // Each probe answers within the check's own timeout; until() only waits for the connection to notice.
    const down = await until(() => h!.app.inject({ url: '/readyz' }), (r) => r.statusCode !== 200, 10_000, '/readyz to turn 503');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable' });
    const body = (await h.app.inject({ url: '/readyz', headers: h.auth })).json();
    expect(body.status).toBe('unavailable');
    expect(body.checks.redis.ok).toBe(false);
    expect(body.checks.redis.error).toEqual(expect.any(String));
  }, 60_000);
});

describe('counters before their first event', () => {
  it('exist at 0 for every known label set (lanes and outcomes, signups, the workers\' queues)', async () => {
    const h = await createHarness({ workers: true });
    try {
      const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const line of [
        'briefwire_emails_total{lane="bulk",outcome="bounce"} 0',
        'briefwire_emails_total{lane="transactional",outcome="refused"} 0',
        'briefwire_signups_total{outcome="rate_limited"} 0',
        `briefwire_jobs_total{queue="${h.services.queues.deliver.name}",result="stalled"} 0`,
        'briefwire_feedback_total{source="ses",kind="complaint"} 0',
      ])
        expect(text).toContain(line);
    } finally {
      await h.close();
    }
  });
});
