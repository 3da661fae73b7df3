import { createHash } from 'node:crypto';
import type { RedisClient } from './connection.ts';

/**
 * Registers Lua scripts once per connection so each call is an EVALSHA (ioredis
 * falls back to EVAL after a SCRIPT FLUSH or a failover). Hot paths such as the
 * per-recipient claim then send a 40-byte hash, not the script body.
 * Every key a script touches shares the prefix's hash tag (one slot). The
 * scripts build their keys from ARGV, so each call also declares one key,
 * `routingKey` (the prefix), as KEYS[1]: on Redis Cluster that is what sends
 * the script to the node owning the slot (with no key it lands on a random
 * node and fails with "non local key"). ARGV is unchanged.
 */
export type ScriptRunner = (lua: string, ...args: (string | number)[]) => Promise<unknown>;

export function scriptRunner(redis: RedisClient, routingKey: string): ScriptRunner {
  const names = new Map<string, string>();
  const client = redis as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  return (lua, ...args) => {
    let name = names.get(lua);
    if (!name) {
      name = `bw_${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
      if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys: 1, lua });
      names.set(lua, name);
    }
    return client[name]!(routingKey, ...args);
  };
}
