import { readFileSync } from 'node:fs';

/**
 * Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time
 * per function and per package, heaviest first.
 * Usage: npx tsx bench/profileSummary.ts <file.cpuprofile> [top]
 */
interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/profileSummary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
const pkgs = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id)!;
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const where = url ? `${url.replace(/.*node_modules\//, '').replace(/.*\/main\//, '')}:${n.callFrame.lineNumber + 1}` : '(native)';
  const key = `${n.callFrame.functionName || '(anonymous)'}  ${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? (url.includes('/main/') ? url.replace(/.*\/main\//, '').split('/')[0]! : url ? 'node' : n.callFrame.functionName);
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + dt);
});
const top = Number(topArg ?? 30);
const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1e6).toFixed(1)} s sampled\n\nby package:`);
for (const [k, v] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(v)}  ${k}`);
console.log('\nby function (self):');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);

// Inclusive time: each function counted once per sample in which it is on the stack.
const parent = new Map<number, number>();
for (const n of profile.nodes as (Node & { children?: number[] })[]) for (const c of n.children ?? []) parent.set(c, n.id);
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'}  ${n.callFrame.url.replace(/.*node_modules\//, '').replace(/.*\/main\//, '') || '(native)'}:${n.callFrame.lineNumber + 1}`;
const inclusive = new Map<string, number>();
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(label(byId.get(cur)!));
  for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
});
console.log('\nby function (inclusive):');
for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).filter(([k]) => !/^\((root|idle|program)\)/.test(k)).slice(0, top)) console.log(`${pct(v)}  ${k}`);
