import { isIPv4, isIPv6 } from 'node:net';
import type { RedisClient } from '../../redis/connection.ts';

/**
 * The bounce listener's per-client connection limit. The counter lives in
 * Redis so the limit holds for the whole deployment, not per worker process:
 * an MX record pointing at three workers must not triple a sender's allowance.
 */

export interface ConnectionRateLimiter {
  /** Counts one connection from `ip`; false once the client is past its limit. Rejects when the counter cannot be reached. */
  allow(ip: string): Promise<boolean>;
}

const WINDOW_MS = 60_000;

/**
 * The address a client is counted under: IPv4 as is (also when it arrives as
 * `::ffff:a.b.c.d`), IPv6 by its /64, since one host usually owns a whole /64
 * and could otherwise take a fresh address per connection.
 */
export function rateSubject(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const bare = ip.split('%')[0]!.toLowerCase();
  const [left = '', right] = bare.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const tail = right ? right.split(':') : [];
  // An embedded IPv4 tail counts as one group here instead of two: it only ever sits past the /64, so the prefix is unaffected.
  const groups = right === undefined ? head : [...head, ...Array(Math.max(0, 8 - head.length - tail.length)).fill('0'), ...tail];
  const prefix = groups.slice(0, 4).map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? g.replace(/^0+(?=.)/, '') : '0'));
  while (prefix.length < 4) prefix.push('0');
  return `${prefix.join(':')}::/64`;
}

/**
 * A fixed one-minute window per client: INCR and PEXPIRE in one MULTI. A
 * client may get up to twice its limit across a window boundary; that is fine
 * for a flood guard and costs one round trip per connection.
 */
export function createConnectionRateLimiter(opts: {
  redis: RedisClient;
  /** The counter's key for one client and window, e.g. `(subject, window) => keys.rate('bounce-smtp', \`${subject}|${window}\`)`. */
  key: (subject: string, window: number) => string;
  perMinute: number;
  now?: () => number;
}): ConnectionRateLimiter {
  const now = opts.now ?? Date.now;
  return {
    async allow(ip) {
      const window = Math.floor(now() / WINDOW_MS);
      const key = opts.key(rateSubject(ip), window);
      const results = await opts.redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec();
      const [err, count] = results?.[0] ?? [new Error('rate counter MULTI was aborted'), 0];
      if (err) throw err;
      return Number(count) <= opts.perMinute;
    },
  };
}
