import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ENV_VARIABLES, configTable, withConfigTable } from '../../src/config/table.ts';

/** The configuration docs cannot drift from src/config/schema.ts: README.md's table and .env.example. */

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

describe("README.md's configuration table", () => {
  it('is the one `npm run docs:config` writes', () => {
    const readme = read('README.md');
    expect(readme === withConfigTable(readme), 'README.md\'s configuration table is stale: run `npm run docs:config`').toBe(true);
  });

  it('has one row per variable, in the order of the schema, with its default', () => {
    const rows = configTable().split('\n').slice(2);
    expect(rows.map((r) => /^\| `([A-Z0-9_]+)` \|/.exec(r)?.[1])).toEqual(ENV_VARIABLES);
    expect(rows.find((r) => r.startsWith('| `PORT` |'))).toContain(`| \`${loadConfig({}).http.port}\` |`);
    // A "|" in a description must not split its cell.
    expect(rows.find((r) => r.startsWith('| `TOPICS` |'))).toContain('`\\|`');
  });
});

describe('.env.example', () => {
  it('lists exactly the variables src/config/schema.ts reads', () => {
    const listed = [...read('.env.example').matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...ENV_VARIABLES].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });
});
