import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Rows of the results table, and the files they are written to. */

export interface Row {
  case: string;
  measure: string;
  briefwire: string;
  versus: string;
  ratio: number | null;
  target: string;
  /** null: reported, no target. */
  pass: boolean | null;
  limits?: string;
}

const METHOD = [
  'Everything runs on this machine in one process tree: a private `redis-server` on a free port (`--save "" --appendonly no`), the SMTP sink, briefwire as real `api` and `worker` processes (`node bin/briefwire.js`), and the comparisons in the bench process itself.',
  'Case 1: subscribers are seeded straight into Redis; each repetition creates a new brief and times `POST /api/briefs/:id/dispatches` to the dispatch\'s `finishedAt` (2 worker processes × SMTP_POOL_SIZE 5). (b) uses one Nodemailer pool with the same 10 connections and 20 sends in flight; (c) `smtp-source -d -s 10 -l <briefwire message bytes>`; (d) compiles the brief with MJML for every recipient, on a subset, and extrapolates; (e) is the transport\'s ceiling: 10 Nodemailer `SMTPConnection`s (from `nodemailer/lib/smtp-connection`, the options briefwire parses from the same SMTP_URL) connected once and kept open, each a loop of `send({from, to: [addr]}, bytes)`; (f) Nodemailer\'s pooled transport (`pool: true, maxConnections: 10, maxMessages: Infinity`, 20 in flight) with `sendMail({envelope, raw})`. (e) and (f) send briefwire\'s own bulk message: `renderBulkMessage` of the dispatch template for each recipient (its To, Message-ID and URLs), rendered inside the timed loop as the deliverer does (~30 µs). The six run one after another within each repetition (a, b, c, e, f, d); medians of the repetitions are reported.',
  'Case 2: one compiled worker process (`node dist/cli/briefwire.js worker`, with the V8 flags of docker-compose.yml\'s worker command); idle RSS sampled each second over a minute after start (the median of the last ten); peak RSS is VmHWM from /proc; Redis bytes are INFO `used_memory` deltas around the seed and around the dispatch.',
  'Case 3: autocannon (20 connections) against `POST /subscribe` of an `api` process (rate limits raised, a new address per request, no workers) and against a bare Fastify route doing one `SET` in its own process, alternating.',
  'Case 4: an smtp-server sink in a child process timestamps each confirmation; a signup is posted every 200 ms while the dispatch is sending.',
  'Profiles: `npm run bench -- --cpu-prof [--only 1]` writes V8 CPU profiles of every briefwire process to `bench/results/profiles/`; `npx tsx bench/profileSummary.ts <file>` lists self and inclusive time.',
];

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

export const num = (n: number | null | undefined, digits = 0) =>
  n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const verdict = (r: Row) => (r.pass === null ? '—' : r.pass ? 'PASS' : 'MISS');

export function printTable(rows: Row[]) {
  const head = ['case', 'measure', 'briefwire', 'versus', 'ratio', 'target', ''];
  const body = rows.map((r) => [r.case, r.measure, r.briefwire, r.versus, r.ratio === null ? '' : `${num(r.ratio, 2)}×`, r.target, verdict(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`\n${line(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const b of body) console.log(line(b));
}

/**
 * The `## Case N: ...` sections of the current RESULTS.md for cases this run
 * did not measure (a run with `--only` must not erase the others' last results).
 */
function keptSections(measured: Set<string>): string[] {
  const path = `${BENCH_DIR}RESULTS.md`;
  if (!existsSync(path)) return [];
  const sections = readFileSync(path, 'utf8').split(/^(?=## )/m).filter((sec) => sec.startsWith('## Case '));
  return sections.filter((sec) => !measured.has(/^## Case (\d+)/.exec(sec)?.[1] ?? '')).map((sec) => sec.trimEnd() + '\n');
}

export function writeResults(results: { mode: string; startedAt: string; machine: Record<string, unknown>; rows: Row[]; notes: string[]; raw: unknown }) {
  mkdirSync(`${BENCH_DIR}results`, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '');
  const jsonPath = `${BENCH_DIR}results/${stamp}${results.mode === 'quick' ? '-quick' : ''}.json`;
  writeFileSync(jsonPath, `${JSON.stringify(results, (_k, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);

  const m = results.machine;
  const md = [
    '# briefwire benchmark results',
    '',
    `Run \`npm run bench\` (full) or \`npm run bench -- --quick\` (smaller sizes, about 1.5 minutes here; its ratios are rougher: fixed costs weigh more on 1,000 recipients). Each run rewrites the tables above its own cases and keeps the \`## Case N\` sections of the cases it did not run; every run's raw numbers stay in \`bench/results/\`.`,
    '',
    `Last run: ${results.startedAt} (${results.mode} mode); raw data: \`bench/results/${jsonPath.split('/').pop()}\`.`,
    '',
    '## Machine',
    '',
    `- ${m.cores} cores, ${m.cpu}, ${m.memoryGb} GB RAM; load average at start ${(m.loadAverageAtStart as number[]).join(' / ')}`,
    `- Node ${m.node}, Nodemailer ${m.nodemailer}, BullMQ ${m.bullmq}, MJML ${m.mjml}, Redis ${m.redis} (private instance, no persistence), Postfix ${m.postfix}`,
    `- SMTP sink: ${m.sink}`,
    '',
    '## Results (medians of interleaved repetitions)',
    '',
    '| case | measure | briefwire | versus | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...results.rows.map((r) => `| ${r.case} | ${r.measure} | ${r.briefwire} | ${r.versus} | ${r.ratio === null ? '' : `${num(r.ratio, 2)}×`} | ${r.target} | ${verdict(r)} |`),
    '',
    '## What limits each case',
    '',
    ...results.rows.filter((r) => r.limits).map((r) => `- **${r.case} ${r.measure}**: ${r.limits}`),
    '',
    ...(results.notes.length ? ['## Notes', '', ...results.notes.map((n) => `- ${n}`), ''] : []),
    '## How it measures',
    '',
    ...METHOD.map((m) => `- ${m}`),
    '',
    ...keptSections(new Set(results.rows.map((r) => r.case.split(/\D/)[0]!))),
  ].join('\n');
  writeFileSync(`${BENCH_DIR}RESULTS.md`, md);
  return { jsonPath, mdPath: `${BENCH_DIR}RESULTS.md` };
}
