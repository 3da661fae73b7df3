import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.ts';

/**
 * Registers Lua scripts once per connection so each call is an EVALSHA (ioredis
 * falls back to EVAL after a SCRIPT FLUSH or a failover). Hot paths such as the
 * per-recipient claim then send a 40-byte hash, not the script body.
 * Scripts take no KEYS: every key shares the prefix's hash tag (one slot).
 */
export type ScriptRunner = (lua: string, ...args: (string | number)[]) => Promise<unknown>;

export function scriptRunner(redis: RedisClient): ScriptRunner {
  const names = new Map<string, string>();
  const client = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  return (lua, ...args) => {
    let name = names.get(lua);
    if (!name) {
      name = `bw_${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
      if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys: 0, lua });
      names.set(lua, name);
    }
    return client[name]!(...args);
  };
}
