import type { RedisClient } from '../../redis/connection.ts';
import type { Keyspace } from '../../redis/keys.ts';

/**
 * Refused editor sign-ins per client address. After MAX_FAILURES within
 * WINDOW_SEC the form answers 429 until the window ends, right token or not,
 * so tokens cannot be guessed at request speed. Only refusals count; the
 * window lives in Redis, so it holds across API processes.
 */
export const SIGN_IN_MAX_FAILURES = 10;
export const SIGN_IN_WINDOW_SEC = 900;

export interface SignInThrottle {
  /** Seconds until this address may try again; 0 when it may now. */
  retryAfter(ip: string): Promise<number>;
  refused(ip: string): Promise<void>;
}

export function createSignInThrottle(redis: RedisClient, keys: Keyspace): SignInThrottle {
  const key = (ip: string) => keys.rate('admin-sign-in', ip);
  return {
    async retryAfter(ip) {
      const res = (await redis.multi().get(key(ip)).ttl(key(ip)).exec()) ?? [];
      const failures = Number(res[0]?.[1] ?? 0);
      const ttl = Number(res[1]?.[1] ?? 0);
      return failures >= SIGN_IN_MAX_FAILURES ? Math.max(1, ttl) : 0;
    },
    async refused(ip) {
      // The window starts at the first refusal and is not extended by later ones.
      await redis.multi().set(key(ip), 0, 'EX', SIGN_IN_WINDOW_SEC, 'NX').incr(key(ip)).exec();
    },
  };
}
