import { createHash } from 'node:crypto';

/**
 * Remembers what was already seen: Mailgun tokens (so a captured signature
 * cannot carry other event data) and event ids (so a provider's retry changes
 * nothing). The production one is Redis `SET key 1 NX EX ttl` / `DEL key`,
 * shared by every API process.
 */
export interface ReplayGuard {
  /** True the first time `id` is claimed within `ttlSec`; false while a claim stands. */
  firstTime(id: string, ttlSec: number): Promise<boolean>;
  /**
   * Drops a claim. Called when the intake failed after the claim, so that the
   * provider's retry is processed instead of being taken for a duplicate.
   */
  forget(id: string): Promise<void>;
}

/**
 * The key handed to the guard: the event ids carry addresses, which have no
 * business in Redis key names (monitoring, `SCAN` output, slow logs).
 */
export const guardKey = (namespace: 'event' | 'mailgun-token', id: string) =>
  `webhook:${namespace}:${createHash('sha256').update(id).digest('base64url')}`;
