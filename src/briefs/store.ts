import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';
import type { Brief } from './model.ts';
import { slugFor } from './model.ts';

export type BriefSource = 'api' | 'markdown' | 'feed' | 'admin';

export interface StoredBrief {
  id: string;
  slug: string;
  /** Bumps on every change; the compile cache keys on it. */
  version: number;
  source: BriefSource;
  createdAt: string;
  /** Set once a dispatch of it has started: the web version is public from then on. */
  publishedAt?: string;
  brief: Brief;
}

export interface BriefStore {
  create(brief: Brief, source: BriefSource): Promise<StoredBrief>;
  get(id: string): Promise<StoredBrief | null>;
  getBySlug(slug: string): Promise<StoredBrief | null>;
  list(opts: { limit: number; before?: string }): Promise<StoredBrief[]>;
  markPublished(id: string): Promise<void>;
}

const RESERVE_SLUG = loadLua(new URL('./lua/reserveSlug.lua', import.meta.url));

function parse(h: Record<string, string>): StoredBrief | null {
  if (!h.id || !h.json) return null;
  return {
    id: h.id,
    slug: h.slug!,
    version: Number(h.version ?? 1),
    source: (h.source ?? 'api') as BriefSource,
    createdAt: h.createdAt ?? '',
    ...(h.publishedAt ? { publishedAt: h.publishedAt } : {}),
    brief: JSON.parse(h.json) as Brief,
  };
}

export function createBriefStore(redis: RedisClient, keys: Keyspace, _config: Config): BriefStore {
  const get = async (id: string) => (/^b[0-9]{1,15}$/.test(id) ? parse(await redis.hgetall(keys.brief(id))) : null);
  return {
    async create(brief, source) {
      const id = `b${await redis.incr(keys.briefSeq)}`;
      const slug = (await runLua(redis, RESERVE_SLUG, [keys.briefBySlug], [slugFor(brief), id])) as string;
      const stored: StoredBrief = { id, slug, version: 1, source, createdAt: new Date().toISOString(), brief: { ...brief, slug } };
      await redis
        .multi()
        .hset(keys.brief(id), { id, slug, version: 1, source, createdAt: stored.createdAt, json: JSON.stringify(stored.brief) })
        .zadd(keys.briefs, Number(id.slice(1)), id)
        .exec();
      return stored;
    },
    get,
    async getBySlug(slug) {
      if (typeof slug !== 'string' || slug.length > 100) return null;
      const id = await redis.hget(keys.briefBySlug, slug);
      return id ? get(id) : null;
    },
    async list({ limit, before }) {
      const max = before && /^b\d+$/.test(before) ? `(${before.slice(1)}` : '+inf';
      const ids = await redis.zrevrangebyscore(keys.briefs, max, '-inf', 'LIMIT', 0, limit);
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(keys.brief(id));
      const rows = (await pipe.exec()) ?? [];
      return rows.map(([, h]) => parse(h as Record<string, string>)).filter((b): b is StoredBrief => b !== null);
    },
    async markPublished(id) {
      await redis.hsetnx(keys.brief(id), 'publishedAt', new Date().toISOString());
    },
  };
}
