import { createHmac, timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = '_csrf';

/**
 * A CSRF token bound to one session (or one pre-login cookie): an HMAC of its
 * id, so nothing extra is stored and a token from one session is useless in another.
 */
export function csrfToken(secretKey: string, purpose: 'session' | 'login', id: string): string {
  return createHmac('sha256', secretKey).update(`admin-csrf:${purpose}:${id}`).digest('base64url');
}

export function csrfMatches(secretKey: string, purpose: 'session' | 'login', id: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 100) return false;
  const want = Buffer.from(csrfToken(secretKey, purpose, id));
  const got = Buffer.from(given);
  return got.length === want.length && timingSafeEqual(got, want);
}
