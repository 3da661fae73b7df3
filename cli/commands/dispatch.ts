import { CliError } from '../cliConfig.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse, printable, sleep } from './common.ts';
import { createProgressWriter, type DispatchProgress } from './progressBar.ts';

export const DISPATCH_HELP = `briefwire dispatch status ID [--once] [--interval MS]
briefwire dispatch pause|resume|cancel ID
briefwire dispatch retry-failed ID
briefwire dispatch restore-bounced ID
briefwire dispatch list [--json]

status           Shows a dispatch's progress (sent, failed, suppressed, uncertain, rate, ETA)
                 as a live progress bar until it is done, cancelled or failed.
                 Exit status: 0 when done, 1 when cancelled or failed (or on an error).
  --once           print the current state once and exit
  --interval MS    how often to poll (default 1000)
pause, resume, cancel
                 Changes the dispatch's state and prints it ("dispatch ID paused").
                 Cancelling a scheduled dispatch means it never starts.
retry-failed     Puts the failed recipients of a finished dispatch back in the queue and
                 prints "dispatch ID requeued N".
restore-bounced  Puts back to active the readers this dispatch marked bounced, and prints
                 "restored N". Use it after a relay refused everyone; then resume the
                 dispatch, and once it is done, retry-failed resends to them.
list             The latest 50 dispatches, newest first: id, status, brief, when
                 (scheduled for, or started), and counts.
  --json           print GET /api/dispatches as it is

An action that does not apply to the dispatch's state prints "error INVALID_STATE: …";
every API error prints its code and message and exits 1.

${CONNECTION_HELP}`;

interface DispatchLine extends DispatchProgress {
  briefId: string;
  scheduledAt?: string;
  startedAt?: string;
  createdAt: string;
}

/** One line per dispatch, columns aligned; server text made safe for a terminal. */
export function formatDispatchList(items: DispatchLine[]): string {
  if (!items.length) return 'no dispatches';
  const rows = items.map((d) => [
    d.id,
    d.status,
    d.briefId,
    d.status === 'scheduled' ? `at ${d.scheduledAt ?? '?'}` : `started ${d.startedAt ?? d.createdAt}`,
    `sent ${d.sent}/${d.total} failed ${d.failed} suppressed ${d.suppressed} uncertain ${d.uncertain}`,
  ].map((c) => printable(String(c))));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

const TERMINAL = new Set(['done', 'cancelled', 'failed']);
const CONTROLS = new Set(['pause', 'resume', 'cancel']);
const SUBCOMMANDS = new Set(['status', 'restore-bounced', 'retry-failed', 'list', ...CONTROLS]);

export async function dispatchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, once: { type: 'boolean' }, interval: { type: 'string' }, json: { type: 'boolean' } });
  const [sub, id] = positionals;
  if (values.help || !sub) {
    console.log(DISPATCH_HELP);
    return values.help ? 0 : 2;
  }
  if (!SUBCOMMANDS.has(sub)) throw new CliError('CLI_USAGE', `unknown dispatch command "${sub}"\n\n${DISPATCH_HELP}`, 2);
  if (sub !== 'list' && values.json) throw new CliError('CLI_USAGE', '--json only applies to dispatch list', 2);
  if (sub === 'list') {
    if (id) throw new CliError('CLI_USAGE', `dispatch list takes no ID\n\n${DISPATCH_HELP}`, 2);
    const body = (await (await connect(values)('GET', '/api/dispatches')).json()) as { items: DispatchLine[] };
    console.log(values.json ? JSON.stringify(body, null, 2) : formatDispatchList(Array.isArray(body.items) ? body.items : []));
    return 0;
  }
  if (!id) throw new CliError('CLI_USAGE', `a dispatch ID is required\n\n${DISPATCH_HELP}`, 2);
  if (sub !== 'status' && (values.once || values.interval !== undefined)) throw new CliError('CLI_USAGE', '--once and --interval only apply to dispatch status', 2);
  const path = `/api/dispatches/${encodeURIComponent(id)}`;
  if (sub === 'restore-bounced') {
    const api = connect(values);
    const { restored } = (await (await api('POST', `${path}/restore-bounced`)).json()) as { restored: number };
    console.log(`restored ${restored}`);
    return 0;
  }
  if (sub === 'retry-failed') {
    const { requeued } = (await (await connect(values)('POST', `${path}/retry-failed`)).json()) as { requeued: number };
    console.log(`dispatch ${printable(id)} requeued ${requeued}`);
    return 0;
  }
  if (CONTROLS.has(sub)) {
    const api = connect(values);
    const d = (await (await api('POST', `${path}/${sub}`)).json()) as DispatchProgress;
    console.log(`dispatch ${printable(d.id)} ${printable(d.status)}`);
    return 0;
  }
  const interval = values.interval === undefined ? 1000 : Number(values.interval);
  if (!Number.isInteger(interval) || interval < 100 || interval > 60_000) throw new CliError('CLI_USAGE', '--interval: must be a whole number of milliseconds from 100 to 60000', 2);
  const api = connect(values);
  const writer = createProgressWriter(process.stdout);
  for (;;) {
    const d = (await (await api('GET', path)).json()) as DispatchProgress;
    writer.draw(d);
    if (values.once || TERMINAL.has(d.status)) {
      writer.end();
      return values.once || d.status === 'done' ? 0 : 1;
    }
    await sleep(interval);
  }
}
