import { envDocs, envSchema, type EnvVariable } from './schema.ts';

/**
 * README.md's configuration table, generated from src/config/schema.ts so the
 * documentation cannot drift from the parsing. scripts/configTable.ts writes it
 * (`npm run docs:config`); test/config/readmeTable.test.ts fails while README.md
 * holds anything else between the markers.
 */

export const TABLE_START = '<!-- config:start: generated from src/config/schema.ts by `npm run docs:config`; edit there -->';
export const TABLE_END = '<!-- config:end -->';

export const ENV_VARIABLES = Object.keys(envSchema.shape) as EnvVariable[];

/** The default as the reader would write it: what the schema gives for an unset variable. */
function shownDefault(name: EnvVariable): string {
  const schema = envSchema.shape[name];
  const override = envDocs.get(schema)?.shownDefault;
  if (override) return override;
  const value: unknown = schema.parse(undefined);
  if (value === undefined) return '*(unset)*';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '*(empty)*';
  return `\`${String(value)}\``;
}

// A "|" inside a cell would end it, code spans included (GFM tables).
const cell = (s: string) => s.replace(/\|/g, '\\|');

export function configTable(): string {
  const rows = ENV_VARIABLES.map((name) => {
    const doc = envDocs.get(envSchema.shape[name]);
    if (!doc) throw new Error(`${name} has no documentation: register it with envDocs in src/config/schema.ts`);
    return `| \`${name}\` | ${cell(shownDefault(name))} | ${cell(doc.description)} |`;
  });
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the generated table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${configTable()}\n${readme.slice(end)}`;
}
