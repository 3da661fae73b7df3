import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../../redis/connection.ts';
import type { Keyspace } from '../../redis/keys.ts';

export const SESSION_COOKIE = 'bw_admin';
export const SESSION_TTL_SEC = 12 * 3600;

export interface AdminSession {
  /** The raw id from the cookie; only its hash is stored, so a Redis dump holds no usable session. */
  id: string;
  createdAt: string;
  /** Keyed digest of the editor token that opened it (EditorAuth.tokenDigest): the session ends when that token is removed. */
  tokenDigest?: string;
}

/** Editor sign-in sessions in Redis, under the app's keyspace prefix, expiring on their own. */
export function createAdminSessions(redis: RedisClient, keys: Keyspace, ttlSec = SESSION_TTL_SEC) {
  const key = (id: string) => keys.adminSession(createHash('sha256').update(id).digest('hex'));
  return {
    async create(tokenDigest?: string): Promise<AdminSession> {
      const session = { id: randomBytes(32).toString('base64url'), createdAt: new Date().toISOString(), tokenDigest };
      await redis.set(key(session.id), JSON.stringify({ createdAt: session.createdAt, tokenDigest }), 'EX', ttlSec);
      return session;
    },
    async get(id: string | undefined): Promise<AdminSession | null> {
      if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
      const v = await redis.get(key(id));
      if (!v) return null;
      const stored = JSON.parse(v) as { createdAt: string; tokenDigest?: string };
      return { id, createdAt: stored.createdAt, tokenDigest: stored.tokenDigest };
    },
    async destroy(id: string): Promise<void> {
      await redis.del(key(id));
    },
  };
}

export type AdminSessions = ReturnType<typeof createAdminSessions>;
