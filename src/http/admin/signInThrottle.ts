import type { RedisClient } from '../../redis/connection.ts';
import type { Keyspace } from '../../redis/keys.ts';
import { createTokenAttempts, type TokenAttemptBudget, type TokenAttempts } from '../editorAuth.ts';

/**
 * Refused editor sign-ins per client (an IPv6 client by its /64). After
 * SIGN_IN_MAX_FAILURES within SIGN_IN_WINDOW_SEC the form answers 429 until the
 * window ends, right token or not, so tokens cannot be guessed at request
 * speed. Only refusals count, each one atomically (see createTokenAttempts), so
 * parallel tries cannot slip past the limit. A budget of its own, apart from
 * the API's bearer tokens (BEARER_BUDGET).
 */
export const SIGN_IN_MAX_FAILURES = 10;
export const SIGN_IN_WINDOW_SEC = 900;
export const SIGN_IN_BUDGET: TokenAttemptBudget = { name: 'admin-sign-in', maxFailures: SIGN_IN_MAX_FAILURES, windowSec: SIGN_IN_WINDOW_SEC };

export type SignInThrottle = TokenAttempts;

export function createSignInThrottle(redis: RedisClient, keys: Keyspace): SignInThrottle {
  return createTokenAttempts(redis, keys, SIGN_IN_BUDGET);
}
