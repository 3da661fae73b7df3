import type { RedisClient } from '../redis/connection.ts';
import { loadLua, runLua } from '../redis/lua.ts';
import type { Keyspace } from '../redis/keys.ts';
import { addressIdentity } from './address.ts';
import { type ConsentEvent, type Subscriber, type SubscriberStatus, joinTopics, splitTopics } from './model.ts';
import { limitRefusal, type LimitRefusal, type SignupWindows } from './limits.ts';
import { decodeCadence, encodeCadence, type CadenceSetting } from '../cadence/model.ts';

export interface SignupInput {
  email: string;
  name: string;
  topics: string[];
  event: Extract<ConsentEvent, { type: 'signup' }>;
  cadence?: CadenceSetting;
  /** IANA name; absent: DIGEST_TIME_ZONE. */
  timeZone?: string;
}

/** A reader's cadence and time zone; an absent field keeps what is stored. */
export interface DeliveryChange {
  cadence?: CadenceSetting;
  timeZone?: string;
}

export type SignupOutcome =
  | { limited: false; id: string; before: SubscriberStatus | 'new'; after: SubscriberStatus }
  | ({ limited: true } & LimitRefusal);

/** `status`: before the restore when restored, else the reader's (unchanged) status. */
export type RestoreOutcome = { result: 'restored' | 'refused' | 'unconfirmed'; status: SubscriberStatus };

export type ImportOutcome = { id: string; result: 'created' | 'updated' | 'skipped'; status: SubscriberStatus };

export interface SubscriberPage {
  items: Subscriber[];
  /** Pass back as `after` for the next page; absent at the end. */
  next?: string;
}

/** The subscriber store: every read and write of subscriber state goes through here. */
export interface SubscriberStore {
  /** Counts the rate-limit windows, then (when allowed) records the signup and queues its confirmation: one atomic step. */
  signup(input: SignupInput, windows: SignupWindows): Promise<SignupOutcome>;
  confirm(id: string, ip: string, at: Date): Promise<SubscriberStatus | null>;
  leave(id: string, status: 'unsubscribed' | 'bounced' | 'complained', event: ConsentEvent): Promise<SubscriberStatus | null>;
  /** Topics, and the cadence and time zone when given (the preferences page). */
  setTopics(id: string, topics: string[], delivery?: DeliveryChange): Promise<SubscriberStatus | null>;
  /** Puts those of `ids` still 'bounced' back to 'active', logging `event`; returns how many. */
  restoreBounced(ids: readonly string[], event: Extract<ConsentEvent, { type: 'restore' }>): Promise<number>;
  /** An editor's restore of one reader still `from` (bounced or complained) who had confirmed (restore.lua); null: no such subscriber. */
  restore(id: string, from: 'bounced' | 'complained', event: Extract<ConsentEvent, { type: 'restore' }>): Promise<RestoreOutcome | null>;
  importRow(row: { email: string; name: string; topics: string[]; status: 'pending' | 'active'; event: ConsentEvent } & DeliveryChange): Promise<ImportOutcome>;
  erase(id: string): Promise<boolean>;
  /** Removes the subscribers who signed up before that time and never confirmed; returns how many. */
  expirePending(signedUpBefore: Date): Promise<number>;
  get(id: string): Promise<Subscriber | null>;
  getMany(ids: readonly string[]): Promise<(Subscriber | null)[]>;
  findByEmail(email: string): Promise<Subscriber | null>;
  consentLog(id: string): Promise<ConsentEvent[]>;
  list(opts: { status?: SubscriberStatus; query?: string; after?: string; limit: number }): Promise<SubscriberPage>;
  count(): Promise<{ all: number; active: number }>;
}

const lua = {
  signup: loadLua(new URL('./lua/signup.lua', import.meta.url)),
  confirm: loadLua(new URL('./lua/confirm.lua', import.meta.url)),
  leave: loadLua(new URL('./lua/leave.lua', import.meta.url)),
  setTopics: loadLua(new URL('./lua/setTopics.lua', import.meta.url)),
  restoreBounced: loadLua(new URL('./lua/restoreBounced.lua', import.meta.url)),
  restore: loadLua(new URL('./lua/restore.lua', import.meta.url)),
  importRow: loadLua(new URL('./lua/importRow.lua', import.meta.url)),
  erase: loadLua(new URL('./lua/erase.lua', import.meta.url)),
};

/** Optimistic signup/import: past this many lost races in a row something is wrong, not busy. */
const WRITE_ATTEMPTS = 50;
/** A consent log keeps its first entry (the original consent) and the latest ones, this many in all. */
export const CONSENT_LOG_MAX = 100;

function toSubscriber(h: Record<string, string>): Subscriber | null {
  if (!h.id) return null;
  return {
    id: h.id,
    email: h.email ?? '',
    name: h.name ?? '',
    status: h.status as SubscriberStatus,
    topics: splitTopics(h.topics),
    createdAt: h.createdAt ?? '',
    updatedAt: h.updatedAt ?? '',
    ...(h.confirmedAt ? { confirmedAt: h.confirmedAt } : {}),
    ...(h.rejoinAt ? { rejoinRequestedAt: h.rejoinAt } : {}),
    cadence: decodeCadence(h.cadence),
    ...(h.timeZone ? { timeZone: h.timeZone } : {}),
  };
}

export function createSubscriberStore(redis: RedisClient, keys: Keyspace): SubscriberStore {
  /** The keys a change of status or topics touches: the record and the audience indexes. */
  const statusKeys = (id: string) => [keys.subscriber(id), keys.activeSubscribers, keys.activeTopics, keys.subscriberConsent(id), keys.pendingSubscribers];

  /**
   * Scripts that may add a subscriber name its keys up front: the address's id
   * is read (or a new one allocated) first, and the script, which re-checks
   * the pointer, answers 'retry' when it changed meanwhile.
   */
  const withSubscriberId = async (email: string, run: (id: string, isNew: boolean) => Promise<string[]>): Promise<string[]> => {
    for (let i = 0; i < WRITE_ATTEMPTS; i++) {
      const known = await redis.hget(keys.subscriberByEmail, addressIdentity(email));
      const r = await run(known ?? String(await redis.incr(keys.subscriberSeq)), !known);
      if (r[0] !== 'retry') return r;
    }
    throw new Error(`write for one address lost ${WRITE_ATTEMPTS} races in a row`);
  };

  const eraseKeys = (id: string) => [
    keys.subscriber(id),
    keys.subscriberConsent(id),
    keys.subscriberByEmail,
    keys.allSubscribers,
    keys.activeSubscribers,
    keys.activeTopics,
    keys.pendingSubscribers,
    keys.subscriberDelivery,
    keys.dailySubscribers,
  ];

  const getMany = async (ids: readonly string[]) => {
    if (!ids.length) return [];
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetall(keys.subscriber(id));
    const res = (await pipe.exec()) ?? [];
    // A failed read is not "no such subscriber": with Redis down the caller must answer 503, not "invalid link".
    const failed = res.find(([err]) => err);
    if (failed) throw failed[0];
    return res.map(([, h]) => toSubscriber(h as Record<string, string>));
  };

  return {
    async signup({ email, name, topics, event, cadence, timeZone }, windows) {
      const r = await withSubscriberId(
        email,
        (id, isNew) =>
          runLua(
            redis,
            lua.signup,
            [...windows.keys, keys.subscriberByEmail, keys.subscriber(id), keys.subscriberConsent(id), keys.allSubscribers, keys.confirmationStream, keys.pendingSubscribers, keys.subscriberDelivery, keys.dailySubscribers],
            [...windows.args, email, name, joinTopics(topics), event.at, JSON.stringify(event), id, isNew ? '1' : '0', addressIdentity(email), Date.parse(event.at) || Date.now(), CONSENT_LOG_MAX, encodeCadence(cadence ?? 'instant'), timeZone ?? ''],
          ) as Promise<string[]>,
      );
      if (r[0] === 'limited') return { limited: true, ...limitRefusal(Number(r[1]), Number(r[2])) };
      const [id, before, after] = r;
      return { limited: false, id: id!, before: before as SubscriberStatus | 'new', after: after as SubscriberStatus };
    },
    async confirm(id, ip, at) {
      const now = at.toISOString();
      const r = await runLua(redis, lua.confirm, [...statusKeys(id), keys.subscriberDelivery, keys.dailySubscribers], [id, now, JSON.stringify({ type: 'confirm', at: now, ip }), CONSENT_LOG_MAX, at.getTime()]);
      return (r as SubscriberStatus) || null;
    },
    async leave(id, status, event) {
      const r = await runLua(redis, lua.leave, statusKeys(id), [id, status, event.at, JSON.stringify(event), CONSENT_LOG_MAX]);
      return (r as SubscriberStatus) || null;
    },
    async setTopics(id, topics, delivery = {}) {
      const now = new Date();
      const r = await runLua(
        redis,
        lua.setTopics,
        [keys.subscriber(id), keys.activeTopics, keys.subscriberDelivery, keys.dailySubscribers],
        [id, joinTopics(topics), now.toISOString(), delivery.cadence ? encodeCadence(delivery.cadence) : '', delivery.timeZone ?? '', now.getTime()],
      );
      return (r as SubscriberStatus) || null;
    },
    async restore(id, from, event) {
      const r = (await runLua(redis, lua.restore, [keys.subscriber(id), keys.activeSubscribers, keys.activeTopics, keys.subscriberConsent(id), keys.softBounces(id)], [id, event.at, JSON.stringify(event), CONSENT_LOG_MAX, from])) as [RestoreOutcome['result'], SubscriberStatus] | null;
      return r ? { result: r[0], status: r[1] } : null;
    },
    async restoreBounced(ids, event) {
      if (!ids.length) return 0;
      const perSubscriber = ids.flatMap((id) => [keys.subscriber(id), keys.subscriberConsent(id)]);
      return Number(await runLua(redis, lua.restoreBounced, [keys.activeSubscribers, keys.activeTopics, ...perSubscriber], [event.at, JSON.stringify(event), ...ids]));
    },
    async importRow({ email, name, topics, status, event, cadence, timeZone }) {
      const now = new Date().toISOString();
      const [id, result, after] = await withSubscriberId(
        email,
        (id, isNew) =>
          runLua(
            redis,
            lua.importRow,
            [keys.subscriberByEmail, keys.subscriber(id), keys.subscriberConsent(id), keys.allSubscribers, keys.activeSubscribers, keys.activeTopics, keys.pendingSubscribers, keys.subscriberDelivery, keys.dailySubscribers],
            [email, name, joinTopics(topics), now, status, JSON.stringify(event), id, isNew ? '1' : '0', addressIdentity(email), Date.now(), cadence ? encodeCadence(cadence) : '', timeZone ?? ''],
          ) as Promise<string[]>,
      );
      return { id: id!, result: result as ImportOutcome['result'], status: after as SubscriberStatus };
    },
    async erase(id) {
      return (await runLua(redis, lua.erase, eraseKeys(id), [id, '0'])) === 1;
    },
    async expirePending(signedUpBefore) {
      let removed = 0;
      for (;;) {
        const ids = await redis.zrangebyscore(keys.pendingSubscribers, '-inf', `(${signedUpBefore.getTime()}`, 'LIMIT', 0, 200);
        if (!ids.length) return removed;
        // The script checks the status again: a reader who confirmed meanwhile stays (and leaves the index).
        for (const id of ids) removed += Number(await runLua(redis, lua.erase, eraseKeys(id), [id, '1']));
      }
    },
    async get(id) {
      return (await getMany([id]))[0] ?? null;
    },
    getMany,
    async findByEmail(email) {
      // Readers stored before identities were case-folded are indexed by their spelling.
      const id = (await redis.hget(keys.subscriberByEmail, addressIdentity(email))) ?? (await redis.hget(keys.subscriberByEmail, email));
      return id ? (await getMany([id]))[0] ?? null : null;
    },
    async consentLog(id) {
      const rows = await redis.lrange(keys.subscriberConsent(id), 0, -1);
      return rows.map((r) => JSON.parse(r) as ConsentEvent);
    },
    async list({ status, query, after, limit }) {
      // Page through ids in order, filtering as we go; a query is a substring of the address.
      const items: Subscriber[] = [];
      let cursor = after ? Number(after) : 0;
      const q = query?.toLowerCase();
      for (let rounds = 0; items.length < limit && rounds < 200; rounds++) {
        const ids = await redis.zrangebyscore(keys.allSubscribers, `(${cursor}`, '+inf', 'LIMIT', 0, 500);
        if (!ids.length) return { items };
        for (const s of await getMany(ids)) {
          if (!s) continue;
          cursor = Number(s.id);
          if (status && s.status !== status) continue;
          if (q && !s.email.toLowerCase().includes(q)) continue;
          items.push(s);
          if (items.length === limit) return { items, next: String(cursor) };
        }
        cursor = Number(ids[ids.length - 1]);
      }
      return { items, next: String(cursor) };
    },
    async count() {
      const [all, active] = await Promise.all([redis.zcard(keys.allSubscribers), redis.zcard(keys.activeSubscribers)]);
      return { all, active };
    },
  };
}
