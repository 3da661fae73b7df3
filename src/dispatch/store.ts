import type { RedisClient } from '../redis/connection.ts';
import { scriptRunner } from '../redis/scripts.ts';
import type { Keyspace } from '../redis/keys.ts';
import { splitTopics, joinTopics } from '../subscribers/model.ts';
import type { Dispatch, DispatchStatus, LedgerState } from './model.ts';
import * as lua from './scripts.ts';

export type ClaimResult = { action: 'send'; email: string } | { action: 'skip'; state: LedgerState } | { action: 'halt'; status: DispatchStatus | 'missing' };
export type RecordOutcome = 'sent' | 'failed' | 'uncertain' | 'release';
export type ClaimRequest = { subscriberId: string; previous?: { subscriberId: string; outcome: RecordOutcome } };

/** Stable codes of why a dispatch paused itself or failed (shown beside the plain reason). */
export type ReasonCode = 'SMTP_REFUSED' | 'BOUNCE_SPIKE' | 'PLANNER_FAILED';

/** Dispatch records, their state machine, checkpoints and the delivery ledger. */
export interface DispatchStore {
  create(input: { briefId: string; topics: string[]; scheduledAt?: string; force: boolean }): Promise<{ id: string; created: boolean }>;
  get(id: string): Promise<Dispatch | null>;
  latestForBriefs(briefIds: string[]): Promise<(string | null)[]>;
  list(limit: number): Promise<Dispatch[]>;
  transition(id: string, to: DispatchStatus, from: DispatchStatus[], reason?: { code: ReasonCode; text: string }): Promise<DispatchStatus | null>;
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
    briefId: h.briefId!,
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
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.reasonCode ? { reasonCode: h.reasonCode } : {}),
    ...(h.missing !== undefined ? { missing: num(h.missing) } : {}),
  };
}

const RESET_FAILED = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', d .. ':ledger', ARGV[i]) == 'failed' then
    redis.call('HDEL', d .. ':ledger', ARGV[i])
    n = n + 1
  end
end
redis.call('HINCRBY', d, 'failed', -n)
return n
`;

export function createDispatchStore(redis: RedisClient, keys: Keyspace): DispatchStore {
  const p = keys.prefix;
  const runScript = scriptRunner(redis, p);
  const run = (script: string, ...args: (string | number)[]) => runScript(script, p, ...args);
  const valid = (id: string) => typeof id === 'string' && /^d[0-9]{1,15}$/.test(id);

  return {
    async create({ briefId, topics, scheduledAt, force }) {
      const now = new Date();
      const [id, what] = (await run(lua.CREATE, briefId, joinTopics(topics), scheduledAt ? 'scheduled' : 'planning', now.toISOString(), scheduledAt ?? '', force ? '1' : '0', now.getTime())) as string[];
      return { id: id!, created: what === 'created' };
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
    async transition(id, to, from, reason) {
      return ((await run(lua.TRANSITION, id, to, new Date().toISOString(), reason?.text ?? '', reason?.code ?? '', ...from)) as DispatchStatus) || null;
    },
    async cursor(id) {
      const [cursor, batches] = await redis.hmget(keys.dispatch(id), 'cursor', 'batches');
      return { cursor: num(cursor ?? undefined), batches: num(batches ?? undefined) };
    },
    async checkpoint(id, batch, cursor, size) {
      await run(lua.CHECKPOINT, id, batch, cursor, size);
    },
    async startRetry(id) {
      return (await run(lua.RETRY_START, id)) === 1;
    },
    async setPlanned(id, planned) {
      await redis.hset(keys.dispatch(id), 'planned', planned ? '1' : '0');
    },
    async claim(id, requests) {
      const args: string[] = [id];
      for (const r of requests) args.push(r.subscriberId, r.previous?.subscriberId ?? '', r.previous?.outcome ?? '');
      const flat = (await run(lua.CLAIM, ...args)) as string[];
      return requests.map((_, i): ClaimResult => {
        const action = flat[2 * i]!;
        const value = flat[2 * i + 1]!;
        if (action === 'send') return { action, email: value };
        if (action === 'skip') return { action, state: value as LedgerState };
        return { action: 'halt', status: value as DispatchStatus };
      });
    },
    async record(id, subscriberId, outcome) {
      await run(lua.RECORD, id, subscriberId, outcome);
    },
    async recordBounce(id, subscriberId, rate) {
      const [, tripped] = (await run(lua.BOUNCE, id, subscriberId, rate)) as number[];
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
      return subscriberIds.length ? ((await run(lua.FAIL_UNSETTLED, id, ...subscriberIds)) as number) : 0;
    },
    async batchDone(id, batch) {
      return ((await run(lua.BATCH_DONE, id, batch === null ? '' : batch, new Date().toISOString())) as DispatchStatus) || null;
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
      return subscriberIds.length ? ((await run(RESET_FAILED, id, ...subscriberIds)) as number) : 0;
    },
    async saveMessage(id, json) {
      await redis.set(keys.dispatchMessage(id), json, 'NX');
    },
    async loadMessage(id) {
      return redis.get(keys.dispatchMessage(id));
    },
  };
}
