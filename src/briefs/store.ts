import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { loadLua, runLua } from '../redis/lua.ts';
import type { Brief } from './model.ts';
import { slugFor } from './model.ts';
import { changedFields, type BriefField } from './changes.ts';

export type BriefSource = 'api' | 'markdown' | 'feed' | 'admin';

export interface StoredBrief {
  id: string;
  slug: string;
  /** Bumps on every change; the compile cache keys on it. */
  version: number;
  source: BriefSource;
  createdAt: string;
  updatedAt?: string;
  /** Set once a dispatch of it has started: the web version is public from then on. */
  publishedAt?: string;
  /** Hidden from the editors' list; the web version stays. */
  archivedAt?: string;
  /** The sent brief this one corrects. */
  correctionOf?: string;
  brief: Brief;
}

/** One change in a brief's history. `by` is an editor token's label (or `feed`, `dispatch`), never a token. */
export interface BriefHistoryEntry {
  at: string;
  by: string;
  action: 'created' | 'updated' | 'archived' | 'sent' | 'correction';
  /** The version after the change (on a brief's `correction` entry: none, the brief itself did not change). */
  version?: number;
  /** Updated: the top-level fields that changed. */
  changed?: BriefField[];
  /** Created as a correction: the brief it corrects; on that brief, the correction's id. */
  brief?: string;
}

/** Why a change was refused; the HTTP layer maps each to its status and stable code. */
export type BriefChangeRefusal =
  | { refused: 'missing' }
  | { refused: 'sent'; dispatchId?: string }
  | { refused: 'scheduled'; dispatchId: string }
  | { refused: 'active'; dispatchId: string }
  | { refused: 'conflict'; version: number }
  | { refused: 'slug-taken'; owner: string };

export type UpdateResult = { ok: true; stored: StoredBrief; changed: BriefField[] } | ({ ok: false } & BriefChangeRefusal);
export type ChangeResult = { ok: true } | ({ ok: false } & BriefChangeRefusal);

export interface BriefStore {
  create(brief: Brief, source: BriefSource, opts?: { by?: string; correctionOf?: string }): Promise<StoredBrief>;
  get(id: string): Promise<StoredBrief | null>;
  getBySlug(slug: string): Promise<StoredBrief | null>;
  list(opts: { limit: number; before?: string; archived?: boolean }): Promise<StoredBrief[]>;
  /**
   * Replaces the brief's content until it is sent. `expectedVersion` refuses a
   * change made against an older version (`conflict`); without it the latest is
   * taken. The slug changes only when `brief.slug` names another one.
   */
  update(id: string, brief: Brief, by: string, expectedVersion?: number): Promise<UpdateResult>;
  /** Deletes a brief no dispatch of which has started or is scheduled. */
  remove(id: string): Promise<ChangeResult>;
  /** Hides a brief from the list (its web version stays); refused while a dispatch of it is scheduled or running. */
  archive(id: string, by: string): Promise<ChangeResult>;
  history(id: string): Promise<BriefHistoryEntry[]>;
  markPublished(id: string): Promise<void>;
}

const RESERVE_SLUG = loadLua(new URL('./lua/reserveSlug.lua', import.meta.url));
const CHANGE = loadLua(new URL('./lua/change.lua', import.meta.url));

const BRIEF_ID = /^b[0-9]{1,15}$/;
/** Lost races with dispatch creation or another editor in a row, past which something is wrong rather than busy. */
const CHANGE_ATTEMPTS = 20;

function parse(h: Record<string, string>): StoredBrief | null {
  if (!h.id || !h.json) return null;
  return {
    id: h.id,
    slug: h.slug!,
    version: Number(h.version ?? 1),
    source: (h.source ?? 'api') as BriefSource,
    createdAt: h.createdAt ?? '',
    ...(h.updatedAt ? { updatedAt: h.updatedAt } : {}),
    ...(h.publishedAt ? { publishedAt: h.publishedAt } : {}),
    ...(h.archivedAt ? { archivedAt: h.archivedAt } : {}),
    ...(h.correctionOf ? { correctionOf: h.correctionOf } : {}),
    brief: JSON.parse(h.json) as Brief,
  };
}

/**
 * Whether a dispatch has started, as the freeze rule in lua/change.lua reads it
 * (for display; the script is what enforces it).
 */
export function dispatchHasStarted(d: { status: string; startedAt?: string; scheduledAt?: string }): boolean {
  if (d.status === 'scheduled') return false;
  if (d.status === 'cancelled' && !d.startedAt && d.scheduledAt) return false;
  return true;
}

export function createBriefStore(redis: RedisClient, keys: Keyspace, _config: Config): BriefStore {
  const get = async (id: string) => (BRIEF_ID.test(id) ? parse(await redis.hgetall(keys.brief(id))) : null);

  /** Runs change.lua against the brief's current latest dispatch, reading the pointer again when it moved. */
  const change = async (mode: 'update' | 'remove' | 'archive', id: string, args: { version?: number; json?: string; slug?: string; entry?: string }) => {
    for (let i = 0; i < CHANGE_ATTEMPTS; i++) {
      const latest = (await redis.hget(keys.dispatchByBrief, id)) ?? '';
      const r = (await runLua(
        redis,
        CHANGE,
        [keys.brief(id), keys.briefBySlug, keys.briefs, keys.archivedBriefs, keys.briefHistory(id), keys.dispatchByBrief, latest ? keys.dispatch(latest) : keys.dispatchByBrief],
        [mode, id, latest, args.version ?? '', args.json ?? '', args.slug ?? '', args.entry ?? '', new Date().toISOString()],
      )) as string[];
      if (r[0] !== 'retry') return r;
    }
    throw new Error(`brief ${id}: ${mode} lost ${CHANGE_ATTEMPTS} races in a row with dispatch creation`);
  };

  const refusal = (r: string[]): BriefChangeRefusal => {
    switch (r[0]) {
      case 'sent':
        return { refused: 'sent', ...(r[1] ? { dispatchId: r[1] } : {}) };
      case 'scheduled':
      case 'active':
        return { refused: r[0], dispatchId: r[1]! };
      case 'conflict':
        return { refused: 'conflict', version: Number(r[1]) };
      case 'slug-taken':
        return { refused: 'slug-taken', owner: r[1]! };
      default:
        return { refused: 'missing' };
    }
  };

  return {
    async create(brief, source, opts = {}) {
      const id = `b${await redis.incr(keys.briefSeq)}`;
      const slug = (await runLua(redis, RESERVE_SLUG, [keys.briefBySlug], [slugFor(brief), id])) as string;
      const createdAt = new Date().toISOString();
      const stored: StoredBrief = {
        id,
        slug,
        version: 1,
        source,
        createdAt,
        ...(opts.correctionOf ? { correctionOf: opts.correctionOf } : {}),
        brief: { ...brief, slug },
      };
      const by = opts.by ?? source;
      const entry = (e: Omit<BriefHistoryEntry, 'at' | 'by'>) => JSON.stringify({ at: createdAt, by, ...e });
      const tx = redis
        .multi()
        .hset(keys.brief(id), {
          id,
          slug,
          version: 1,
          source,
          createdAt,
          json: JSON.stringify(stored.brief),
          ...(opts.correctionOf ? { correctionOf: opts.correctionOf } : {}),
        })
        .zadd(keys.briefs, Number(id.slice(1)), id)
        .rpush(keys.briefHistory(id), entry({ action: 'created', version: 1, ...(opts.correctionOf ? { brief: opts.correctionOf } : {}) }));
      if (opts.correctionOf) tx.rpush(keys.briefHistory(opts.correctionOf), entry({ action: 'correction', brief: id }));
      await tx.exec();
      return stored;
    },
    get,
    async getBySlug(slug) {
      if (typeof slug !== 'string' || slug.length > 100) return null;
      const id = await redis.hget(keys.briefBySlug, slug);
      return id ? get(id) : null;
    },
    async list({ limit, before, archived = false }) {
      const max = before && /^b\d+$/.test(before) ? `(${before.slice(1)}` : '+inf';
      const ids = await redis.zrevrangebyscore(archived ? keys.archivedBriefs : keys.briefs, max, '-inf', 'LIMIT', 0, limit);
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(keys.brief(id));
      const rows = (await pipe.exec()) ?? [];
      return rows.map(([, h]) => parse(h as Record<string, string>)).filter((b): b is StoredBrief => b !== null);
    },
    async update(id, brief, by, expectedVersion) {
      for (let i = 0; i < CHANGE_ATTEMPTS; i++) {
        const current = await get(id);
        if (!current) return { ok: false, refused: 'missing' };
        const base = expectedVersion ?? current.version;
        // The slug is kept unless the editor names another one.
        const next: Brief = { ...brief, slug: brief.slug ?? current.slug };
        // Diffed against the version read; the script refuses the write if that version has moved on.
        const changed = current.version === base ? changedFields(current.brief, next) : [];
        const entry = changed.length ? JSON.stringify({ at: new Date().toISOString(), by, action: 'updated', version: base + 1, changed } satisfies BriefHistoryEntry) : '';
        const r = await change('update', id, { version: base, json: JSON.stringify(next), slug: next.slug, entry });
        if (r[0] === 'ok') {
          const stored = await get(id);
          if (!stored) return { ok: false, refused: 'missing' };
          return { ok: true, stored, changed };
        }
        // Another editor saved in between: without a version of its own, this change goes on top of theirs.
        if (r[0] === 'conflict' && expectedVersion === undefined) continue;
        return { ok: false, ...refusal(r) };
      }
      throw new Error(`brief ${id}: update lost ${CHANGE_ATTEMPTS} races in a row`);
    },
    async remove(id) {
      if (!BRIEF_ID.test(id)) return { ok: false, refused: 'missing' };
      const r = await change('remove', id, {});
      return r[0] === 'ok' ? { ok: true } : { ok: false, ...refusal(r) };
    },
    async archive(id, by) {
      if (!BRIEF_ID.test(id)) return { ok: false, refused: 'missing' };
      const current = await get(id);
      if (!current) return { ok: false, refused: 'missing' };
      const entry = JSON.stringify({ at: new Date().toISOString(), by, action: 'archived', version: current.version } satisfies BriefHistoryEntry);
      const r = await change('archive', id, { entry });
      return r[0] === 'ok' ? { ok: true } : { ok: false, ...refusal(r) };
    },
    async history(id) {
      if (!BRIEF_ID.test(id)) return [];
      return (await redis.lrange(keys.briefHistory(id), 0, -1)).map((e) => JSON.parse(e) as BriefHistoryEntry);
    },
    async markPublished(id) {
      await runLua(
        redis,
        CHANGE,
        [keys.brief(id), keys.briefBySlug, keys.briefs, keys.archivedBriefs, keys.briefHistory(id), keys.dispatchByBrief, keys.dispatchByBrief],
        ['publish', id, '', '', '', '', '', new Date().toISOString()],
      );
    },
  };
}
