import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from './connection.ts';

/**
 * The one way briefwire runs Lua. Each script is a `.lua` file next to the
 * code that uses it, headed by the list of its KEYS and ARGV (the BullMQ
 * style), and takes every key it touches in KEYS: on Redis Cluster that is
 * what routes the call to the node owning the keys, and what lets the keys
 * move to other slots without touching the Lua (docs/CLUSTER.md).
 *
 * A file may pull in shared functions with a line `-- @include includes/x.lua`
 * (relative to the file); the included functions take their keys as arguments.
 */
export interface LuaScript {
  /** The ioredis command name: the file's name and a hash of the source, so two files named alike never clash. */
  readonly name: string;
  /** The source sent to Redis, includes expanded. */
  readonly lua: string;
}

const INCLUDE = /^--\s*@include\s+(\S+)\s*$/gm;

function expand(url: URL, seen: Set<string>): string {
  const file = fileURLToPath(url);
  if (seen.has(file)) throw new Error(`Lua include cycle at ${file}`);
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  return source.replace(INCLUDE, (_, rel: string) => expand(new URL(rel, url), new Set(seen)).trimEnd());
}

/**
 * Reads a script once (call it at module load, with
 * `new URL('./lua/x.lua', import.meta.url)`, so the path stays relative to the
 * module wherever the code is built to).
 */
export function loadLua(url: URL): LuaScript {
  const lua = expand(url, new Set());
  const stem = basename(fileURLToPath(url), '.lua').replace(/[^A-Za-z0-9]/g, '_');
  return { name: `bw_${stem}_${createHash('sha1').update(lua).digest('hex').slice(0, 10)}`, lua };
}

type ScriptCommand = (numberOfKeys: number, ...keysThenArgs: (string | number)[]) => Promise<unknown>;

/**
 * Runs a script: one EVALSHA (ioredis sends the body once per connection, and
 * again after a SCRIPT FLUSH or a failover). The command is defined on the
 * client the first time it runs there; the number of keys is given per call,
 * since some scripts take one key per recipient.
 */
export function runLua(redis: RedisClient, script: LuaScript, keys: readonly string[], args: readonly (string | number)[] = []): Promise<unknown> {
  const client = redis as unknown as Record<string, ScriptCommand | undefined>;
  let command = client[script.name];
  if (typeof command !== 'function') {
    redis.defineCommand(script.name, { lua: script.lua });
    command = client[script.name]!;
  }
  return command.call(redis, keys.length, ...keys, ...args);
}
