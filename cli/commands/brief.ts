import { readFile } from 'node:fs/promises';
import { CliError } from '../cliConfig.ts';
import { ApiError, type ApiClient } from './apiClient.ts';
import { CONNECTION_HELP, CONNECTION_OPTIONS, connect, parse, printable } from './common.ts';

export const BRIEF_HELP = `briefwire brief add FILE.md [--dispatch] [--topics A,B]
briefwire brief edit ID FILE.md
briefwire brief rm ID
briefwire brief archive ID

add      Adds a brief from a Markdown file with YAML front matter and prints its id and slug.
  --dispatch       dispatch it right away to its audience; prints the dispatch id
                   (watch it with: briefwire dispatch status ID)
  --topics A,B     with --dispatch: the audience topics (default: the brief's own)
edit     Replaces brief ID with the Markdown in FILE.md (until a dispatch of it has
         started; then the API answers BRIEF_SENT: make a correction instead) and
         prints "brief ID version N SLUG" and the fields that changed. The slug
         stays unless the file's front matter names another one.
rm       Deletes brief ID if it was never sent (a sent brief can only be archived);
         prints "deleted ID".
archive  Hides brief ID from the editors' list; its web version stays. Prints "archived ID".

Errors print the API's code and message ("error BRIEF_SENT: …") and exit 1;
field errors name their field and, for Markdown, their line.

${CONNECTION_HELP}`;

const SUBCOMMANDS = new Set(['add', 'edit', 'rm', 'archive']);

const readMarkdown = (file: string) =>
  readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CliError('FILE_UNREADABLE', `cannot read ${file} (${e.code ?? e.message})`);
  });

/** An API call whose field errors are listed one per line under the code and message. */
async function withFields<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError && e.fields.length) {
      const lines = e.fields.map((f) => {
        const line = (f as { line?: number }).line;
        return `  ${line ? `line ${line}: ` : ''}${f.field || 'brief'}: ${f.message}`;
      });
      throw new CliError(e.code, `${e.message}\n${lines.join('\n')}`);
    }
    throw e;
  }
}

async function add(api: ApiClient, file: string, values: { dispatch?: boolean; topics?: string }): Promise<number> {
  const markdown = await readMarkdown(file);
  const created = await withFields(async () => (await (await api('POST', '/api/briefs', { body: markdown, contentType: 'text/markdown' })).json()) as { id: string; slug: string; warnings?: string[] });
  console.log(`brief ${created.id} ${created.slug}`);
  for (const w of created.warnings ?? []) console.error(`warning: ${w}`);
  if (!values.dispatch) return 0;
  const topics = values.topics ? values.topics.split(',').map((t) => t.trim()).filter(Boolean) : undefined;
  const res = await api('POST', `/api/briefs/${created.id}/dispatches`, { body: JSON.stringify(topics ? { topics } : {}), contentType: 'application/json' });
  const { id } = (await res.json()) as { id: string };
  console.log(`dispatch ${id}`);
  return 0;
}

export async function briefCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECTION_OPTIONS, dispatch: { type: 'boolean' }, topics: { type: 'string' } });
  const [sub, first, second] = positionals;
  if (values.help || !sub) {
    console.log(BRIEF_HELP);
    return values.help ? 0 : 2;
  }
  if (!SUBCOMMANDS.has(sub)) throw new CliError('CLI_USAGE', `unknown brief command "${sub}"\n\n${BRIEF_HELP}`, 2);
  if (sub !== 'add' && (values.dispatch || values.topics)) throw new CliError('CLI_USAGE', '--dispatch and --topics only apply to brief add', 2);
  if (sub === 'add') {
    if (!first) throw new CliError('CLI_USAGE', `a Markdown FILE is required\n\n${BRIEF_HELP}`, 2);
    if (values.topics && !values.dispatch) throw new CliError('CLI_USAGE', '--topics only applies with --dispatch', 2);
    return add(connect(values), first, values);
  }
  if (!first) throw new CliError('CLI_USAGE', `a brief ID is required\n\n${BRIEF_HELP}`, 2);
  const path = `/api/briefs/${encodeURIComponent(first)}`;
  if (sub === 'edit') {
    if (!second) throw new CliError('CLI_USAGE', `a Markdown FILE is required\n\n${BRIEF_HELP}`, 2);
    const markdown = await readMarkdown(second);
    const api = connect(values);
    const r = await withFields(async () => (await (await api('PUT', path, { body: markdown, contentType: 'text/markdown' })).json()) as { id: string; slug: string; version: number; changed: string[]; warnings?: string[] });
    console.log(`brief ${printable(r.id)} version ${r.version} ${printable(r.slug)}`);
    console.log(r.changed.length ? `changed: ${r.changed.map(printable).join(', ')}` : 'nothing changed');
    for (const w of r.warnings ?? []) console.error(`warning: ${printable(w)}`);
    return 0;
  }
  const api = connect(values);
  if (sub === 'rm') {
    await api('DELETE', path);
    console.log(`deleted ${printable(first)}`);
    return 0;
  }
  await api('POST', `${path}/archive`);
  console.log(`archived ${printable(first)}`);
  return 0;
}
