import { readFile, writeFile } from 'node:fs/promises';
import { CliError } from '../cliConfig.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse } from './common.ts';

export const SUBSCRIBERS_HELP = `briefwire subscribers import FILE.csv [--active]
briefwire subscribers export [FILE] [--status STATUS]

import   CSV with a header row; columns: email (required), name, topics (names
         separated by |), consent (where and when consent was given).
         New addresses get a confirmation email, unless --active: consent was
         obtained elsewhere and they are imported as confirmed.
         Bad rows are listed and not written; exit status 1 if there were any.
export   Writes the CSV (the import columns plus status) to FILE, or to stdout.
         --status pending|active|unsubscribed|bounced|complained limits it.

${CONNECTION_HELP}`;

export async function subscribersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, active: { type: 'boolean' }, status: { type: 'string' } });
  const [sub, file] = positionals;
  if (values.help || !sub) {
    console.log(SUBSCRIBERS_HELP);
    return values.help ? 0 : 2;
  }
  if (sub === 'import') {
    if (!file) throw new CliError('CLI_USAGE', `a CSV FILE is required\n\n${SUBSCRIBERS_HELP}`, 2);
    const csv = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new CliError('FILE_UNREADABLE', `cannot read ${file} (${e.code ?? e.message})`);
    });
    const api = connect(values);
    const res = await api('POST', `/api/subscribers/import${values.active ? '?status=active' : ''}`, { body: csv, contentType: 'text/csv' });
    const r = (await res.json()) as { imported: number; updated: number; skipped: number; errors: { line: number; message: string }[] };
    console.log(`imported ${r.imported}, updated ${r.updated}, skipped ${r.skipped}, refused ${r.errors.length}`);
    for (const e of r.errors) console.error(`line ${e.line}: ${e.message}`);
    return r.errors.length ? 1 : 0;
  }
  if (sub === 'export') {
    const api = connect(values);
    const qs = values.status ? `?status=${encodeURIComponent(values.status)}` : '';
    const csv = await (await api('GET', `/api/subscribers.csv${qs}`)).text();
    if (file) {
      await writeFile(file, csv, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new CliError('FILE_UNWRITABLE', `cannot write ${file} (${e.code ?? e.message})`);
      });
      console.error(`wrote ${file}`);
    } else process.stdout.write(csv);
    return 0;
  }
  throw new CliError('CLI_USAGE', `unknown subscribers command "${sub}"\n\n${SUBSCRIBERS_HELP}`, 2);
}
