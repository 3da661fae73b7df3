import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../src/config/table.ts';

/** Writes README.md's configuration table from src/config/schema.ts (see src/config/table.ts). */
const target = fileURLToPath(new URL('../README.md', import.meta.url));
await writeFile(target, withConfigTable(await readFile(target, 'utf8')));
console.log(`wrote the configuration table in ${target}`);
