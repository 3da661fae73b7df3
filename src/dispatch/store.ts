import type { RedisClient } from '../redis/connection.ts';
import { loadLua, runLua } from '../redis/lua.ts';
import type { Keyspace } from '../redis/keys.ts';
import { splitTopics, joinTopics } from '../subscribers/model.ts';
import type { Dispatch, DispatchPriority, DispatchStatus, LedgerState, SendPriority } from './model.ts';

export type ClaimResult = { action: 'send'; email: string } | { action: 'skip'; state: LedgerState } | { action: 'halt'; status: DispatchStatus | 'missing' };
export type RecordOutcome = 'sent' | 'failed' | 'uncertain' | 'release';
export type ClaimRequest = { subscriberId: string; previous?: { subscriberId: string; outcome: RecordOutcome } };

/** Stable codes of why a dispatch paused itself or failed (shown beside the plain reason). */
export type ReasonCode = 'SMTP_REFUSED' | 'BOUNCE_SPIKE' | 'COMPLAINT_SPIKE' | 'PLANNER_FAILED';

/** Dispatch records, their state machine, checkpoints and the delivery ledger. */
export interface DispatchStore {
  create(input: { briefId: string; topics: string[]; scheduledAt?: string; force: boolean; priority?: DispatchPriority; expiresAt?: Date }): Promise<{ id: string; created: boolean }>;
  get(id: string): Promise<Dispatch | null>;
  latestForBriefs(briefIds: string[]): Promise<(string | null)[]>;
  list(limit: number): Promise<Dispatch[]>;
  /** `guard.resumes`: move only if the dispatch has not been resumed since the caller read that count (`resumes`). */
  transition(id: string, to: DispatchStatus, from: DispatchStatus[], reason?: { code: ReasonCode; text: string }, guard?: { resumes: number }): Promise<DispatchStatus | null>;
  /** How many times the dispatch has been resumed from a pause. */
  resumes(id: string): Promise<number>;
  cursor(id: string): Promise<{ cursor: number; batches: number }>;
  checkpoint(id: string, batch: number, cursor: number, size: number): Promise<void>;
  setPlanned(id: string, planned: boolean): Promise<void>;
  /** 'done' -> 'sending', not planned, atomically; false when the dispatch was not 'done'. */
  startRetry(id: string): Promise<boolean>;
  /** Claims recipients, in order; each one's `previous` (its lane's last outcome) is recorded first, in the same call. */
  claim(id: string, requests: readonly ClaimRequest[]): Promise<ClaimResult[]>;
  record(id: string, subscriberId: string, outcome: RecordOutcome): Promise<void>;
  /** Records a hard bounce; `tripped` when it set off the bounce-spike breaker (the dispatch is now paused). */
  recordBounce(id: string, subscriberId: string, rate: number): Promise<{ tripped: boolean }>;
  /** Pages through the subscribers this dispatch marked bounced. */
  scanBounced(id: string): AsyncGenerator<string[]>;
  failUnsettled(id: string, subscriberIds: string[]): Promise<number>;
  batchDone(id: string, batch: number | null): Promise<DispatchStatus | null>;
  ledgerState(id: string, subscriberId: string): Promise<LedgerState | null>;
  /** Pages through the ledger; yields subscriber ids in `state`. */
  scanLedger(id: string, state: LedgerState): AsyncGenerator<string[]>;
  /** Puts failed recipients back to unsettled (for "retry only the failed"); returns how many. */
  resetFailed(id: string, subscriberIds: string[]): Promise<number>;
  saveMessage(id: string, json: string): Promise<void>;
  loadMessage(id: string): Promise<string | null>;
}

const num = (v: string | undefined) => Number(v ?? 0);

function parse(h: Record<string, string>): Dispatch | null {
  if (!h.id) return null;
  return {
    id: h.id,
    kind: h.kind === 'digest' ? 'digest' : 'brief',
    briefId: h.briefId ?? '',
    ...(h.briefIds ? { briefIds: h.briefIds.split('|') } : {}),
    ...(h.run ? { run: h.run } : {}),
    priority: (h.priority as SendPriority | undefined) ?? 'normal',
    ...(h.expiresAt ? { expiresAt: h.expiresAt } : {}),
    topics: splitTopics(h.topics),
    status: h.status as DispatchStatus,
    createdAt: h.createdAt!,
    ...(h.scheduledAt ? { scheduledAt: h.scheduledAt } : {}),
    ...(h.startedAt ? { startedAt: h.startedAt } : {}),
    ...(h.finishedAt ? { finishedAt: h.finishedAt } : {}),
    total: num(h.total),
    planned: h.planned === '1',
    batches: num(h.batches),
    batchesDone: num(h.batchesDone),
    sent: num(h.sent),
    failed: num(h.failed),
    suppressed: num(h.suppressed),
    uncertain: num(h.uncertain),
    expired: num(h.expired),
    daily: num(h.daily),
    bounced: num(h.bounced),
    complained: num(h.complained),
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.reasonCode ? { reasonCode: h.reasonCode } : {}),
    ...(h.missing !== undefined ? { missing: num(h.missing) } : {}),
  };
}

const lua = {
  create: loadLua(new URL('./lua/create.lua', import.meta.url)),
  transition: loadLua(new URL('./lua/transition.lua', import.meta.url)),
  retryStart: loadLua(new URL('./lua/retryStart.lua', import.meta.url)),
  checkpoint: loadLua(new URL('./lua/checkpoint.lua', import.meta.url)),
  claim: loadLua(new URL('./lua/claim.lua', import.meta.url)),
  record: loadLua(new URL('./lua/record.lua', import.meta.url)),
  bounce: loadLua(new URL('./lua/bounce.lua', import.meta.url)),
  failUnsettled: loadLua(new URL('./lua/failUnsettled.lua', import.meta.url)),
  batchDone: loadLua(new URL('./lua/batchDone.lua', import.meta.url)),
  resetFailed: loadLua(new URL('./lua/resetFailed.lua', import.meta.url)),
};

/** Optimistic create: past this many lost races in a row something is wrong, not busy. */
const CREATE_ATTEMPTS = 50;

export function createDispatchStore(redis: RedisClient, keys: Keyspace): DispatchStore {
  const valid = (id: string) => typeof id === 'string' && /^d[0-9]{1,15}$/.test(id);
  /** The keys every ledger script takes first, in this order. */
  const ledgerKeys = (id: string) => [keys.dispatch(id), keys.dispatchLedger(id), keys.dispatchBounced(id), keys.dispatchRecent(id)];
  const newDispatchId = async () => `d${await redis.incr(keys.dispatchSeq)}`;

  return {
    async create({ briefId, topics, scheduledAt, force, priority = 'normal', expiresAt }) {
      const now = new Date();
      const expiry = expiresAt ? [expiresAt.toISOString(), expiresAt.getTime()] : ['', ''];
      const rest = [joinTopics(topics), scheduledAt ? 'scheduled' : 'planning', now.toISOString(), scheduledAt ?? '', force ? '1' : '0', now.getTime(), priority, ...expiry];
      // The script may name only keys it is given: the brief's current dispatch is read, and a
      // new id allocated, first; the script re-checks the pointer and asks again when it moved.
      const attempt = (existing: string, newId: string) =>
        runLua(
          redis,
          lua.create,
          [keys.dispatchByBrief, keys.dispatches, existing ? keys.dispatch(existing) : keys.dispatchByBrief, newId ? keys.dispatch(newId) : keys.dispatchByBrief],
          [briefId, existing, newId, ...rest],
        ) as Promise<string[]>;
      for (let i = 0; i < CREATE_ATTEMPTS; i++) {
        const existing = (await redis.hget(keys.dispatchByBrief, briefId)) ?? '';
        // With no dispatch yet a new one is certain; otherwise the script says whether one is due.
        let r = await attempt(existing, existing ? '' : await newDispatchId());
        if (r[0] === 'need-id') r = await attempt(existing, await newDispatchId());
        if (r[0] === 'retry') continue;
        return { id: r[0]!, created: r[1] === 'created' };
      }
      throw new Error(`dispatch create for brief ${briefId} lost ${CREATE_ATTEMPTS} races in a row`);
    },
    async get(id) {
      if (!valid(id)) return null;
      const [h, done] = await Promise.all([redis.hgetall(keys.dispatch(id)), redis.scard(keys.dispatchBatchesDone(id))]);
      return parse({ ...h, batchesDone: String(done) });
    },
    async latestForBriefs(briefIds) {
      if (!briefIds.length) return [];
      return redis.hmget(keys.dispatchByBrief, ...briefIds);
    },
    async list(limit) {
      const ids = await redis.zrevrange(keys.dispatches, 0, limit - 1);
      return (await Promise.all(ids.map((id) => this.get(id)))).filter((d): d is Dispatch => d !== null);
    },
    async transition(id, to, from, reason, guard) {
      const args = [to, new Date().toISOString(), reason?.text ?? '', reason?.code ?? '', guard ? String(guard.resumes) : '', ...from];
      return ((await runLua(redis, lua.transition, [keys.dispatch(id), keys.dispatchRecent(id)], args)) as DispatchStatus) || null;
    },
    async resumes(id) {
      return num((await redis.hget(keys.dispatch(id), 'resumes')) ?? undefined);
    },
    async cursor(id) {
      const [cursor, batches] = await redis.hmget(keys.dispatch(id), 'cursor', 'batches');
      return { cursor: num(cursor ?? undefined), batches: num(batches ?? undefined) };
    },
    async checkpoint(id, batch, cursor, size) {
      await runLua(redis, lua.checkpoint, [keys.dispatch(id)], [batch, cursor, size]);
    },
    async startRetry(id) {
      return (await runLua(redis, lua.retryStart, [keys.dispatch(id)])) === 1;
    },
    async setPlanned(id, planned) {
      await redis.hset(keys.dispatch(id), 'planned', planned ? '1' : '0');
    },
    async claim(id, requests) {
      const claimKeys = ledgerKeys(id);
      // The expiry check in the script compares with this moment: one per call, not per recipient.
      const args: string[] = [String(Date.now())];
      for (const r of requests) {
        claimKeys.push(keys.subscriber(r.subscriberId));
        args.push(r.subscriberId, r.previous?.subscriberId ?? '', r.previous?.outcome ?? '');
      }
      const flat = (await runLua(redis, lua.claim, claimKeys, args)) as string[];
      return requests.map((_, i): ClaimResult => {
        const action = flat[2 * i]!;
        const value = flat[2 * i + 1]!;
        if (action === 'send') return { action, email: value };
        if (action === 'skip') return { action, state: value as LedgerState };
        return { action: 'halt', status: value as DispatchStatus };
      });
    },
    async record(id, subscriberId, outcome) {
      await runLua(redis, lua.record, ledgerKeys(id), [subscriberId, outcome]);
    },
    async recordBounce(id, subscriberId, rate) {
      const [, tripped] = (await runLua(redis, lua.bounce, ledgerKeys(id), [subscriberId, rate])) as number[];
      return { tripped: tripped === 1 };
    },
    async *scanBounced(id) {
      let cursor = '0';
      do {
        const [next, ids] = await redis.sscan(keys.dispatchBounced(id), cursor, 'COUNT', 500);
        cursor = next;
        if (ids.length) yield ids;
      } while (cursor !== '0');
    },
    async failUnsettled(id, subscriberIds) {
      return subscriberIds.length ? ((await runLua(redis, lua.failUnsettled, [keys.dispatch(id), keys.dispatchLedger(id)], subscriberIds)) as number) : 0;
    },
    async batchDone(id, batch) {
      return ((await runLua(redis, lua.batchDone, [keys.dispatch(id), keys.dispatchBatchesDone(id)], [batch === null ? '' : batch, new Date().toISOString()])) as DispatchStatus) || null;
    },
    async ledgerState(id, subscriberId) {
      return (await redis.hget(keys.dispatchLedger(id), subscriberId)) as LedgerState | null;
    },
    async *scanLedger(id, state) {
      let cursor = '0';
      do {
        const [next, flat] = await redis.hscan(keys.dispatchLedger(id), cursor, 'COUNT', 1000);
        cursor = next;
        const ids: string[] = [];
        for (let i = 0; i < flat.length; i += 2) if (flat[i + 1] === state) ids.push(flat[i]!);
        if (ids.length) yield ids;
      } while (cursor !== '0');
    },
    async resetFailed(id, subscriberIds) {
      return subscriberIds.length ? ((await runLua(redis, lua.resetFailed, [keys.dispatch(id), keys.dispatchLedger(id)], subscriberIds)) as number) : 0;
    },
    async saveMessage(id, json) {
      await redis.set(keys.dispatchMessage(id), json, 'NX');
    },
    async loadMessage(id) {
      return redis.get(keys.dispatchMessage(id));
    },
  };
}
