import { CliError } from '../cliConfig.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse, printable, sleep } from './common.ts';
import { createProgressWriter, type DispatchProgress } from './progressBar.ts';

export const DISPATCH_HELP = `briefwire dispatch status ID [--once] [--interval MS]
briefwire dispatch pause|resume|cancel ID
briefwire dispatch restore-bounced ID

status           Shows a dispatch's progress (sent, failed, suppressed, uncertain, rate, ETA)
                 as a live progress bar until it is done, cancelled or failed.
                 Exit status: 0 when done, 1 when cancelled or failed (or on an error).
  --once           print the current state once and exit
  --interval MS    how often to poll (default 1000)
pause, resume, cancel
                 Changes the dispatch's state and prints it ("dispatch ID paused").
restore-bounced  Puts back to active the readers this dispatch marked bounced, and prints
                 "restored N". Use it after a relay refused everyone; then resume the
                 dispatch, and once it is done, retry-failed resends to them.

${CONNECTION_HELP}`;

const TERMINAL = new Set(['done', 'cancelled', 'failed']);
const CONTROLS = new Set(['pause', 'resume', 'cancel']);
const SUBCOMMANDS = new Set(['status', 'restore-bounced', ...CONTROLS]);

export async function dispatchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, once: { type: 'boolean' }, interval: { type: 'string' } });
  const [sub, id] = positionals;
  if (values.help || !sub) {
    console.log(DISPATCH_HELP);
    return values.help ? 0 : 2;
  }
  if (!SUBCOMMANDS.has(sub)) throw new CliError('CLI_USAGE', `unknown dispatch command "${sub}"\n\n${DISPATCH_HELP}`, 2);
  if (!id) throw new CliError('CLI_USAGE', `a dispatch ID is required\n\n${DISPATCH_HELP}`, 2);
  if (sub !== 'status' && (values.once || values.interval !== undefined)) throw new CliError('CLI_USAGE', '--once and --interval only apply to dispatch status', 2);
  const path = `/api/dispatches/${encodeURIComponent(id)}`;
  if (sub === 'restore-bounced') {
    const api = connect(values);
    const { restored } = (await (await api('POST', `${path}/restore-bounced`)).json()) as { restored: number };
    console.log(`restored ${restored}`);
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
