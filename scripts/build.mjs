#!/usr/bin/env node
// `npm run build`: the production build in dist/, run by bare Node (no TypeScript loader).
// tsc compiles src, workers and cli; the files they read at run time beside their modules
// (the .lua scripts) and the templates folder are copied next to them.
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });

function copyLua(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) copyLua(path);
    else if (name.endsWith('.lua')) cpSync(path, join(dist, relative(root, path)));
  }
}
for (const top of ['src', 'workers']) if (existsSync(join(root, top))) copyLua(join(root, top));
// src/briefs/templates.ts finds templates two levels above itself: dist/templates.
cpSync(join(root, 'templates'), join(dist, 'templates'), { recursive: true });
console.log(`built ${relative(process.cwd(), dist) || 'dist'}/`);
