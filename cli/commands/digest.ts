import { CliError } from '../cliConfig.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse, printable } from './common.ts';

export const DIGEST_HELP = `briefwire digest run
briefwire digest list [--json]

run    Sends every daily reader with something pending their digest now, whatever
       their local hour (the scheduled run sends each at DIGEST_HOUR local time).
       Prints the run's id; a second run with nothing new sends nothing.
list   The latest digest sends: their briefs and counts (readers, sent, failed,
       suppressed, uncertain). --json prints the API's answer as it is.

${CONNECTION_HELP}`;

interface DigestSend {
  id: string;
  run?: string;
  status: string;
  briefs: { title: string }[];
  total: number;
  sent: number;
  failed: number;
  suppressed: number;
  uncertain: number;
  createdAt: string;
}

export async function digestCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, json: { type: 'boolean' } });
  const [sub] = positionals;
  if (values.help || !sub) {
    console.log(DIGEST_HELP);
    return values.help ? 0 : 2;
  }
  if (sub === 'run') {
    const { id } = (await (await connect(values)('POST', '/api/digests/run')).json()) as { id: string };
    console.log(`digest run ${printable(id)} queued`);
    return 0;
  }
  if (sub === 'list') {
    const body = (await (await connect(values)('GET', '/api/digests')).json()) as { items: DigestSend[] };
    if (values.json) {
      console.log(JSON.stringify(body, null, 2));
      return 0;
    }
    if (!body.items.length) console.log('no digest sent yet');
    for (const d of body.items) {
      const titles = d.briefs.map((b) => b.title).join(' | ');
      console.log(
        printable(`${d.id}  ${d.status.padEnd(9)} ${d.createdAt}  readers ${d.total}, sent ${d.sent}, failed ${d.failed}, suppressed ${d.suppressed}, uncertain ${d.uncertain}  ${titles}`),
      );
    }
    return 0;
  }
  throw new CliError('CLI_USAGE', `unknown digest command "${sub}"\n\n${DIGEST_HELP}`, 2);
}
