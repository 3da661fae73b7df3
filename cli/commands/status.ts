import { CliError } from '../cliConfig.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse, printable } from './common.ts';

export const STATUS_HELP = `briefwire status [--json]

Lists the live worker processes (from their heartbeats) with host, pid, when each was
last seen, and for each mail lane (transactional, bulk) the relay, its last good
connection and its last error (phase and reply).
Exit status: 0 when at least one worker is running, 1 when none is.

  --json           print GET /api/status as it is

${CONNECTION_HELP}`;

/** The shape of GET /api/status (src/ops/workerRegistry.ts, src/mail/mailer.ts), as the CLI reads it. */
interface LaneHealth {
  kind: string;
  relay?: string;
  lastOkAt?: string;
  lastError?: { at: string; phase: string; code: string; kind: string; reply: string };
}
interface WorkerLine {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  seenAt: string;
  smtp: { transactional: LaneHealth; bulk: LaneHealth };
}

const since = (iso: string, now: number) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : ` (${Math.max(0, Math.round((now - t) / 1000))}s ago)`;
};

export function formatStatus(workers: WorkerLine[], now = Date.now()): string {
  if (!workers.length) return 'no worker is running';
  const p = (v: unknown) => printable(String(v ?? ''));
  const lines: string[] = [];
  for (const w of workers) {
    lines.push(`worker ${p(w.id)}  host ${p(w.host)}  pid ${p(w.pid)}  started ${p(w.startedAt)}  last seen ${p(w.seenAt)}${since(w.seenAt, now)}`);
    for (const lane of ['transactional', 'bulk'] as const) {
      const m = w.smtp?.[lane];
      if (!m) continue;
      const relay = m.kind === 'outbox' ? 'outbox (no relay)' : `relay ${p(m.relay ?? '?')}`;
      const ok = m.lastOkAt ? `${p(m.lastOkAt)}${since(m.lastOkAt, now)}` : 'never';
      const e = m.lastError;
      const err = e ? `${p(e.at)} at ${p(e.phase)}: ${p(e.code)} ${p(e.kind)}: ${p(e.reply)}` : 'none';
      lines.push(`  ${lane.padEnd(13)}  ${relay}  last ok ${ok}  last error ${err}`);
    }
  }
  return lines.join('\n');
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } });
  if (values.help) {
    console.log(STATUS_HELP);
    return 0;
  }
  if (positionals.length) throw new CliError('CLI_USAGE', `status takes no arguments\n\n${STATUS_HELP}`, 2);
  const api = connect(values);
  const body = (await (await api('GET', '/api/status')).json()) as { workers: WorkerLine[] };
  const workers = Array.isArray(body.workers) ? body.workers : [];
  console.log(values.json ? JSON.stringify(body, null, 2) : formatStatus(workers));
  return workers.length ? 0 : 1;
}
