import type { StoredBrief } from '../briefs/store.ts';
import type { BriefStore } from '../briefs/store.ts';
import type { DispatchStore } from '../dispatch/store.ts';
import { cadenceFor, decodeCadence, hasDaily, inAudience } from '../cadence/model.ts';
import { canonicalTimeZone, nextLocalHour, previousLocalHour } from '../cadence/time.ts';
import { splitTopics } from '../subscribers/model.ts';
import type { DailyReader, Take } from './store.ts';

/** A brief dispatch a digest may carry: it started sending in the run's lookback, and was not cancelled, failed or expired. */
export interface Candidate {
  dispatchId: string;
  stored: StoredBrief;
  /** The dispatch's audience topics (the brief's when the editor named none). */
  topics: string[];
  startedMs: number;
}

export async function loadCandidates(
  deps: { dispatches: DispatchStore; briefs: BriefStore },
  log: readonly { dispatchId: string; startedMs: number }[],
  atMs: number,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const { dispatchId, startedMs } of log) {
    const d = await deps.dispatches.get(dispatchId);
    if (!d || d.kind === 'digest' || d.status === 'cancelled' || d.status === 'failed') continue;
    // An alert that has expired is never sent late, in a digest either.
    if (d.expiresAt && Date.parse(d.expiresAt) <= atMs) continue;
    const stored = await deps.briefs.get(d.briefId);
    if (!stored) continue;
    out.push({ dispatchId, stored, topics: d.topics.length ? d.topics : stored.brief.topics, startedMs });
  }
  // Newest first: the digest's order, and the order of its set's key.
  return out.sort((a, b) => b.startedMs - a.startedMs);
}

/** What the run does with one reader: a take (or nothing), and for a reader owed a digest the candidates to check against the ledgers. */
export interface ReaderPlan {
  take?: Omit<Take, 'sendId'>;
  /** Candidates the reader is owed unless a ledger says they already got the brief. */
  owed: Candidate[];
}

export interface PlanContext {
  atMs: number;
  /** 'all': an editor's "send now": every daily reader with something pending, whatever their hour. */
  mode: 'due' | 'all';
  digestHour: number;
  defaultTimeZone: string;
  candidates: readonly Candidate[];
}

/**
 * One daily reader at the run's time. Due when their local digest hour has
 * come since their window opened (so across a daylight saving change it is
 * still 07:00 on their clock), or always for an editor's run. Their window is
 * (digestFrom, run time]; what it gathers is the briefs whose dispatch reached
 * them through daily topics only (cadenceFor), checked against the ledgers by
 * the caller.
 */
export function planReader(r: DailyReader, ctx: PlanContext): ReaderPlan {
  if (r.status === null) return { take: { id: r.id, expectedFrom: '', newFrom: '', nextLook: 0, action: 'forget' }, owed: [] };
  const zone = canonicalTimeZone(r.timeZone) ?? ctx.defaultTimeZone;
  const nextLook = nextLocalHour(ctx.atMs, zone, ctx.digestHour);
  const from = Number(r.digestFrom) || ctx.atMs;
  const advance = (newFrom: string): ReaderPlan => ({ take: { id: r.id, expectedFrom: r.digestFrom, newFrom, nextLook, action: 'advance' }, owed: [] });
  const setting = decodeCadence(r.cadence);
  const due = ctx.mode === 'all' || previousLocalHour(ctx.atMs, zone, ctx.digestHour) > from;
  if (!due) return ctx.mode === 'due' ? advance('') : { owed: [] };
  if (r.status !== 'active' || !hasDaily(setting)) return ctx.mode === 'due' ? advance(String(ctx.atMs)) : { owed: [] };
  const topics = splitTopics(r.topics);
  const owed = ctx.candidates.filter(
    (c) => c.startedMs > from && c.startedMs <= ctx.atMs && inAudience(topics, c.topics) && cadenceFor(setting, topics, c.topics) === 'daily',
  );
  if (!owed.length) return ctx.mode === 'due' ? advance(String(ctx.atMs)) : { owed: [] };
  return { take: { id: r.id, expectedFrom: r.digestFrom, newFrom: String(ctx.atMs), nextLook, action: 'push' }, owed };
}

/**
 * The briefs of a reader's digest, newest first, each once however many of
 * their topics it carries or however often it was sent; none the reader
 * already got as an alert (`reached`: the dispatch's ledger has them).
 */
export function digestSet(owed: readonly Candidate[], reached: (c: Candidate) => boolean): StoredBrief[] {
  const got = new Set(owed.filter(reached).map((c) => c.stored.id));
  const seen = new Set<string>();
  const out: StoredBrief[] = [];
  for (const c of owed) {
    if (got.has(c.stored.id) || seen.has(c.stored.id)) continue;
    seen.add(c.stored.id);
    out.push(c.stored);
  }
  return out;
}
