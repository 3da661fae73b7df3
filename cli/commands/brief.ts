import { readFile } from 'node:fs/promises';
import { CliError } from '../cliConfig.ts';
import { ApiError } from './apiClient.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse } from './common.ts';

export const BRIEF_HELP = `briefwire brief add FILE.md [--dispatch] [--topics A,B]

Adds a brief from a Markdown file with YAML front matter and prints its id and slug.

  --dispatch       dispatch it right away to its audience; prints the dispatch id
                   (watch it with: briefwire dispatch status ID)
  --topics A,B     with --dispatch: the audience topics (default: the brief's own)

${CONNECTION_HELP}`;

export async function briefCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, dispatch: { type: 'boolean' }, topics: { type: 'string' } });
  const [sub, file] = positionals;
  if (values.help || !sub) {
    console.log(BRIEF_HELP);
    return values.help ? 0 : 2;
  }
  if (sub !== 'add') throw new CliError('CLI_USAGE', `unknown brief command "${sub}"\n\n${BRIEF_HELP}`, 2);
  if (!file) throw new CliError('CLI_USAGE', `a Markdown FILE is required\n\n${BRIEF_HELP}`, 2);
  if (values.topics && !values.dispatch) throw new CliError('CLI_USAGE', '--topics only applies with --dispatch', 2);
  const markdown = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CliError('FILE_UNREADABLE', `cannot read ${file} (${e.code ?? e.message})`);
  });
  const api = connect(values);
  let created: { id: string; slug: string; warnings?: string[] };
  try {
    created = (await (await api('POST', '/api/briefs', { body: markdown, contentType: 'text/markdown' })).json()) as typeof created;
  } catch (e) {
    if (e instanceof ApiError && e.fields.length) {
      throw new CliError(e.code, `${e.message}\n${e.fields.map((f) => `  ${f.field || 'brief'}: ${f.message}`).join('\n')}`);
    }
    throw e;
  }
  console.log(`brief ${created.id} ${created.slug}`);
  for (const w of created.warnings ?? []) console.error(`warning: ${w}`);
  if (!values.dispatch) return 0;
  const topics = values.topics ? values.topics.split(',').map((t) => t.trim()).filter(Boolean) : undefined;
  const res = await api('POST', `/api/briefs/${created.id}/dispatches`, { body: JSON.stringify(topics ? { topics } : {}), contentType: 'application/json' });
  const { id } = (await res.json()) as { id: string };
  console.log(`dispatch ${id}`);
  return 0;
}
