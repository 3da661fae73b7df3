import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { createHarness, importActive, until, type Harness } from '../support/harness.ts';
import { spawnBriefwire, stopAll, type BriefwireProcess } from '../support/processes.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { freePort } from '../support/redisServers.ts';

/**
 * Issue 15, item 1: docs/grafana/briefwire.json stays honest. A real
 * Prometheus (Debian's; scripts/testSetup.mjs installs it) scrapes a real api
 * and worker process through a dispatch with a bounce and a retried deferral,
 * then every query of every panel must answer with at least one series: a
 * renamed metric or label, or a typo, fails here naming the panel.
 */

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const METRICS_TOKEN = 'dashboard-metrics-token-0123456789';
const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const file = (name: string) => new URL(`../../${name}`, import.meta.url).pathname;

interface DashboardPanel {
  title?: string;
  targets?: { refId?: string; expr?: string }[];
  panels?: DashboardPanel[];
}
interface Query {
  panel: string;
  refId: string;
  expr: string;
}

/** Every target of every panel, rows' panels included. */
function dashboardQueries(panels: DashboardPanel[]): Query[] {
  return panels.flatMap((p) => [
    ...(p.targets ?? []).map((t) => ({ panel: p.title ?? '(untitled)', refId: t.refId ?? '?', expr: t.expr ?? '' })),
    ...dashboardQueries(p.panels ?? []),
  ]);
}

/** What Grafana puts in for its built-in variables; a 1 s scrape makes 30 s a window with many samples. */
const GRAFANA_VARIABLES: Record<string, string> = {
  __rate_interval: '30s',
  __interval: '5s',
  __interval_ms: '5000',
  __range: '5m',
  __range_s: '300',
  __range_ms: '300000',
};

function substituteVariables(expr: string): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a?: string, b?: string, c?: string) => {
    const value = GRAFANA_VARIABLES[(a ?? b ?? c)!];
    if (value === undefined) throw new Error(`unknown Grafana variable ${whole} in: ${expr}`);
    return value;
  });
}

interface ScrapeJob {
  job_name: string;
  static_configs?: unknown;
  dns_sd_configs?: unknown;
  authorization?: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The compose config's scrape jobs (same job names, paths and bearer token), pointed at this
 * test's processes and scraped every second.
 */
function testPrometheusConfig(targets: Record<string, string>, tokenFile: string): string {
  const deploy = parse(read('deploy/prometheus/prometheus.yml')) as { scrape_configs: ScrapeJob[] };
  const jobs = deploy.scrape_configs.map(({ static_configs: _s, dns_sd_configs: _d, ...job }) => {
    const target = targets[job.job_name];
    if (!target) throw new Error(`the test has no process for scrape job ${job.job_name}`);
    return { ...job, scrape_interval: '1s', scrape_timeout: '1s', authorization: { ...job.authorization, credentials_file: tokenFile }, static_configs: [{ targets: [target] }] };
  });
  return stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: jobs });
}

interface PrometheusResponse<T> {
  status: 'success' | 'error';
  error?: string;
  data: T;
}
interface Target {
  labels: { job: string };
  health: string;
  lastScrape: string;
  lastError: string;
}

let h: Harness | undefined;
let procs: BriefwireProcess[] = [];
let prometheus: ChildProcess | undefined;
let dir: string | undefined;
afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await exited;
  }
  await stopAll(procs);
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docs/grafana/briefwire.json against a real Prometheus', { timeout: 180_000 }, () => {
  it('every panel query returns at least one series after a dispatch, scraped from an api and a worker process', async () => {
    // One permanent refusal (a bounce) and one deferral that the retry gets through, so failure classes and job failures move too.
    h = await createHarness({
      smtp: {
        onRcpt: (address, attempt) =>
          address.startsWith('gone@')
            ? { code: 550, message: '5.1.1 No such user' }
            : address.startsWith('later@') && attempt === 1
              ? { code: 451, message: '4.3.0 Try again later' }
              : undefined,
      },
    });
    const [apiPort, workerPort, promPort] = [await freePort(), await freePort(), await freePort()];
    const env = { ...h.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', METRICS_TOKEN };
    procs = [spawnBriefwire('api', { ...env, PORT: String(apiPort) }), spawnBriefwire('worker', { ...env, WORKER_PORT: String(workerPort) })];
    for (const [port, p] of [[apiPort, procs[0]!], [workerPort, procs[1]!]] as const) {
      await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0), (s) => s === 200, 60_000, `/healthz on ${port} (${p.output()})`);
    }

    dir = mkdtempSync(join(tmpdir(), 'bw-prometheus-'));
    const tokenFile = join(dir, 'metrics_token');
    writeFileSync(tokenFile, METRICS_TOKEN, { mode: 0o600 });
    writeFileSync(join(dir, 'prometheus.yml'), testPrometheusConfig({ 'briefwire-api': `127.0.0.1:${apiPort}`, 'briefwire-worker': `127.0.0.1:${workerPort}` }, tokenFile));
    let promLog = '';
    prometheus = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prometheus.stdout!.on('data', (c: Buffer) => (promLog += c.toString()));
    prometheus.stderr!.on('data', (c: Buffer) => (promLog += c.toString()));
    prometheus.on('error', (e) => (promLog += `${PROMETHEUS}: ${e.message} (npm test installs Debian's prometheus as root)`));
    const prom = `http://127.0.0.1:${promPort}`;
    const api = async <T>(path: string) => (await (await fetch(`${prom}${path}`)).json()) as PrometheusResponse<T>;
    const targets = () => api<{ activeTargets: Target[] }>('/api/v1/targets').then((r) => r.data.activeTargets, () => [] as Target[]);
    await until(() => fetch(`${prom}/-/ready`).then((r) => r.status, () => 0), (s) => s === 200, 30_000, `Prometheus ready (${promLog})`);
    // Scraped before the dispatch too, so its counters rise within the rate windows.
    await until(targets, (ts) => ts.length === 2 && ts.every((t) => t.health === 'up'), 30_000, 'both targets up (bearer token accepted)');

    await addSubscribers(h, 4, () => [], 'graphed.example.org');
    await importActive(h, 'gone@graphed.example.org');
    await importActive(h, 'later@graphed.example.org');
    const brief = await createBrief(h, { title: 'Graphed' });
    const done = await waitForStatus(h, (await dispatch(h, brief.id)).json().id as string, 'done');
    expect([done.sent, done.failed]).toEqual([5, 1]);
    const doneAt = Date.now();
    // Two scrapes after the end, so every counter has its final value and a rate over it.
    await until(targets, (ts) => ts.every((t) => t.health === 'up' && Date.parse(t.lastScrape) > doneAt + 2_000), 30_000, 'scrapes after the dispatch');

    const instant = (query: string) => api<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(query)}`);
    const sent = await instant('sum(briefwire_emails_total{lane="bulk",outcome="sent"})');
    expect((sent.data.result[0] as { value: [number, string] }).value[1]).toBe('5');

    const queries = dashboardQueries((JSON.parse(read('docs/grafana/briefwire.json')) as { panels: DashboardPanel[] }).panels);
    expect(queries.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const q of queries) {
      const where = `"${q.panel}" [${q.refId}]`;
      if (!q.expr.trim()) {
        problems.push(`${where}: no expr`);
        continue;
      }
      const answer = await instant(substituteVariables(q.expr));
      if (answer.status !== 'success') problems.push(`${where}: ${answer.error} (${q.expr})`);
      else if (answer.data.result.length === 0) problems.push(`${where}: no series after a dispatch (${q.expr})`);
    }
    expect(problems).toEqual([]);
  });
});

describe('the compose monitoring profile', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, { profiles?: string[]; volumes?: string[] }> };

  it("deploy/prometheus/prometheus.yml passes promtool (its token file exists only in the container)", () => {
    expect(() => execFileSync(PROMTOOL, ['check', 'config', '--syntax-only', file('deploy/prometheus/prometheus.yml')], { stdio: 'pipe' })).not.toThrow();
  });

  it('runs Prometheus and Grafana only with --profile monitoring, Grafana reading the dashboard from docs/grafana', () => {
    expect(compose.services.prometheus?.profiles).toEqual(['monitoring']);
    expect(compose.services.grafana?.profiles).toEqual(['monitoring']);
    for (const name of ['redis', 'mailpit', 'api', 'worker']) expect(compose.services[name]?.profiles, name).toBeUndefined();
    const provider = parse(read('deploy/grafana/provisioning/dashboards/briefwire.yml')) as { providers: { options: { path: string } }[] };
    expect(compose.services.grafana?.volumes).toContain(`./docs/grafana:${provider.providers[0]!.options.path}:ro`);
  });

  it('the override that publishes Grafana and Prometheus binds them to 127.0.0.1 only', () => {
    const override = parse(read('deploy/compose.monitoring-ports.yml')) as { services: Record<string, { ports?: string[] }> };
    const ports = Object.entries(override.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(ports.map(([name]) => name).sort()).toEqual(['grafana', 'prometheus']);
    for (const [name, port] of ports) expect(port, name).toMatch(/^127\.0\.0\.1:/);
  });
});
