import { mkdirSync, writeFileSync } from 'node:fs';
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

export function writeResults(results: { mode: string; startedAt: string; machine: Record<string, unknown>; rows: Row[]; notes: string[]; raw: unknown }) {
  mkdirSync(`${BENCH_DIR}results`, { recursive: true });
  const stamp = results.startedAt.replace(/[:]/g, '-').replace(/\..*$/, '');
  const jsonPath = `${BENCH_DIR}results/${stamp}${results.mode === 'quick' ? '-quick' : ''}.json`;
  writeFileSync(jsonPath, `${JSON.stringify(results, (_k, v) => (v === Infinity ? 'Infinity' : v), 2)}\n`);

  const m = results.machine;
  const md = [
    '# briefwire benchmark results',
    '',
    `Run \`npm run bench\` (full) or \`npm run bench -- --quick\` (about a minute). This file is rewritten by each run; every run's raw numbers stay in \`bench/results/\`.`,
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
  ].join('\n');
  writeFileSync(`${BENCH_DIR}RESULTS.md`, md);
  return { jsonPath, mdPath: `${BENCH_DIR}RESULTS.md` };
}
