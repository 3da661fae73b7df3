/**
 * A static reading of one Lua script (includes expanded): what its header
 * declares in KEYS/ARGV, what the code indexes, and whether every key handed
 * to redis.call comes from KEYS. Returns the problems found; none is a pass.
 */

type Declared = { fixed: number[]; variableFrom: number | null };

const HEADER = /^--\[\[([\s\S]*?)\]\]/;

function declared(header: string, table: 'KEYS' | 'ARGV'): Declared {
  const fixed: number[] = [];
  let variableFrom: number | null = null;
  for (const m of header.matchAll(new RegExp(`^\\s*${table}\\[(\\d+)(\\.\\.)?\\]`, 'gm'))) {
    if (m[2]) variableFrom = Number(m[1]);
    else fixed.push(Number(m[1]));
  }
  return { fixed, variableFrom };
}

/** The code with comments and string literals blanked, so neither is read as code. */
function codeOnly(lua: string): string {
  return lua
    .replace(/--\[\[[\s\S]*?\]\]/g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/--[^\n]*/g, (c) => ' '.repeat(c.length))
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, (s) => `'${' '.repeat(s.length - 2)}'`);
}

/** Splits `a, f(b, c), d` at depth-0 commas. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** The argument lists of every call `name(...)` in code, from the position after the parenthesis. */
function callsOf(code: string, name: RegExp): { at: number; args: string[]; raw: string[] }[] {
  const out: { at: number; args: string[]; raw: string[] }[] = [];
  for (const m of code.matchAll(name)) {
    const start = m.index! + m[0].length;
    let depth = 1;
    let i = start;
    while (i < code.length && depth > 0) {
      if (code[i] === '(') depth++;
      if (code[i] === ')') depth--;
      i++;
    }
    out.push({ at: m.index!, args: splitArgs(code.slice(start, i - 1)), raw: [] });
  }
  return out;
}

/** Commands whose every argument is a key. For the rest (all this codebase uses), the first one is. */
const ALL_KEYS = new Set(['DEL', 'UNLINK', 'EXISTS', 'TOUCH']);

export interface LuaReport {
  problems: string[];
  /** Highest literal indexes the code uses, for the record. */
  usedKeys: number[];
  usedArgv: number[];
}

export function checkLua(file: string, source: string, expanded: string): LuaReport {
  const problems: string[] = [];
  const header = HEADER.exec(source.trimStart());
  if (!header) return { problems: [`${file}: no header comment (--[[ … ]]) at the top`], usedKeys: [], usedArgv: [] };
  const text = header[1]!;
  if (!/^\s*Input:/m.test(text) || !/^\s*Output:/m.test(text)) problems.push(`${file}: the header has no Input: or no Output: section`);

  const code = codeOnly(expanded);
  const used = { KEYS: [] as number[], ARGV: [] as number[] };
  for (const table of ['KEYS', 'ARGV'] as const) {
    const decl = declared(text, table);
    const literal = [...code.matchAll(new RegExp(`\\b${table}\\[\\s*(\\d+)\\s*\\]`, 'g'))].map((m) => Number(m[1]));
    const variable = new RegExp(`#${table}\\b|\\b${table}\\[(?!\\s*\\d+\\s*\\])`).test(code);
    used[table] = [...new Set(literal)].sort((a, b) => a - b);
    const fixed = [...new Set(decl.fixed)].sort((a, b) => a - b);
    fixed.forEach((n, i) => n !== i + 1 && problems.push(`${file}: ${table} declared out of order (${table}[${n}] where ${table}[${i + 1}] is due)`));
    if (decl.variableFrom !== null && decl.variableFrom !== fixed.length + 1) problems.push(`${file}: ${table}[${decl.variableFrom}..] should follow the last fixed one`);
    for (const n of used[table]) if (!fixed.includes(n)) problems.push(`${file}: uses ${table}[${n}], not declared in its header`);
    for (const n of fixed) if (!used[table].includes(n)) problems.push(`${file}: declares ${table}[${n}] but never uses it`);
    if (variable && decl.variableFrom === null) problems.push(`${file}: indexes ${table} by a variable but declares no ${table}[n..] range`);
    if (!variable && decl.variableFrom !== null) problems.push(`${file}: declares ${table}[${decl.variableFrom}..] but never indexes ${table} by a variable`);
  }

  // Every key given to redis.call must come from KEYS: a KEYS[...] expression,
  // a local bound to exactly one, or a function parameter every caller fills so.
  const functions = [...code.matchAll(/function\s+([A-Za-z_]\w*)\s*\(([^)]*)\)/g)].map((m) => ({
    name: m[1]!,
    at: m.index!,
    params: m[2]!.split(',').map((p) => p.trim()).filter(Boolean),
  }));
  const boundToKeys = new Set([...code.matchAll(/local\s+([A-Za-z_]\w*)\s*=\s*KEYS\[[^\]\n]+\]\s*(?:\n|$)/g)].map((m) => m[1]!));
  const enclosing = (at: number) => functions.filter((f) => f.at < at).at(-1);
  const isKey = (expr: string, at: number, depth = 0): boolean => {
    if (depth > 8) return false;
    if (/^KEYS\[[^\]]+\]$/.test(expr) && !expr.includes('..')) return true;
    if (!/^[A-Za-z_]\w*$/.test(expr)) return false;
    if (boundToKeys.has(expr)) return true;
    const fn = enclosing(at);
    const position = fn ? fn.params.indexOf(expr) : -1;
    if (!fn || position < 0) return false;
    const sites = callsOf(code, new RegExp(`(?<![\\w.])${fn.name}\\s*\\(`, 'g')).filter((c) => c.at !== code.indexOf(fn.name, fn.at));
    return sites.length > 0 && sites.every((c) => c.args[position] !== undefined && isKey(c.args[position]!, c.at, depth + 1));
  };
  const calls = callsOf(code, /redis\.p?call\s*\(/g);
  for (const call of calls) {
    const command = /'\s*'|"\s*"/.test(call.args[0] ?? '') ? expanded.slice(call.at).match(/redis\.p?call\s*\(\s*['"](\w+)['"]/)?.[1]?.toUpperCase() : undefined;
    const keyArgs = command && ALL_KEYS.has(command) ? call.args.slice(1) : call.args.slice(1, 2);
    for (const arg of keyArgs) {
      if (!isKey(arg, call.at)) problems.push(`${file}: redis.call('${command ?? '?'}', ${arg}, …): the key does not come from KEYS`);
    }
  }
  return { problems, usedKeys: used.KEYS, usedArgv: used.ARGV };
}
