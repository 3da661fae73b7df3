import type { Queue } from 'bullmq';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { MailJob } from '../queue/queues.ts';
import type { BriefStore } from '../briefs/store.ts';
import type { Brief } from '../briefs/model.ts';
import type { DispatchControl } from '../dispatch/control.ts';
import { FeedError } from './errors.ts';
import { fetchFeed } from './fetchFeed.ts';
import { parseFeed, type FeedItem } from './parseFeed.ts';
import { itemToBrief } from './itemToBrief.ts';
import { createFeedState, feedIdFor, identitiesOf } from './state.ts';

/**
 * One poll of one feed: fetch (conditionally), parse, and turn each item never
 * seen before into a brief: a draft, or a dispatch when policy says so. The
 * first successful poll of a feed only remembers what is there. A feed that
 * cannot be fetched or read is logged with its reason code and left for the
 * next interval: nothing is created, nothing is sent.
 */

export interface FeedDeps {
  config: Config;
  logger: Logger;
  redis: RedisClient;
  keys: Keyspace;
  briefs: BriefStore;
  dispatchControl: Pick<DispatchControl, 'create'>;
  mailQueue: Queue<MailJob>;
}

export type PollOutcome =
  | { status: 'busy' | 'not-modified' }
  | { status: 'primed'; seen: number }
  | { status: 'polled'; created: string[]; dispatched: string[]; invalid: number }
  | { status: 'failed'; code: string; reason: string };

/** The feed's address as logs show it: no credentials or query tokens. */
export const describeFeed = (url: string) => {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
};

export const noticeJobId = (briefId: string) => `feed-notice-${briefId}`;

function shouldAutoDispatch(config: Config, brief: Brief): boolean {
  if (!config.feed.autoDispatch) return false;
  const only = config.feed.autoDispatchTopics.map((t) => t.toLowerCase());
  return only.length === 0 || brief.topics.some((t) => only.includes(t.toLowerCase()));
}

export async function pollFeed(deps: FeedDeps, url: string): Promise<PollOutcome> {
  const { config, logger } = deps;
  const state = createFeedState(deps.redis, deps.keys);
  const feedId = feedIdFor(url);
  const log = logger.child({ feed: describeFeed(url), feedId });
  // The lease outlives any poll that keeps to its timeout; it only matters if a holder dies.
  const unlock = await state.lock(feedId, config.feed.timeoutMs * 2 + 60_000);
  if (!unlock) {
    log.info('feed poll skipped: another poll of this feed is running');
    return { status: 'busy' };
  }
  try {
    const outcome = await pollLocked(deps, state, feedId, url, log);
    await state.recordOutcome(feedId, url, outcome.status === 'failed' ? outcome.code : outcome.status);
    return outcome;
  } finally {
    await unlock();
  }
}

async function pollLocked(
  deps: FeedDeps,
  state: ReturnType<typeof createFeedState>,
  feedId: string,
  url: string,
  log: Logger,
): Promise<PollOutcome> {
  const { config } = deps;
  const known = await state.get(feedId);
  let feed;
  let validators;
  try {
    // Until a feed is primed, ask for all of it: a 304 would tell us nothing to remember.
    const res = await fetchFeed(url, known.primedAt ? known : {}, { timeoutMs: config.feed.timeoutMs, maxBytes: config.feed.maxBytes });
    if (res.kind === 'not-modified') {
      log.debug('feed not modified');
      return { status: 'not-modified' };
    }
    validators = res.validators;
    feed = parseFeed(res.body);
  } catch (e) {
    if (!(e instanceof FeedError)) throw e;
    log.warn({ code: e.code, reason: e.message }, 'feed poll failed; will retry next interval');
    return { status: 'failed', code: e.code, reason: e.message };
  }

  if (!known.primedAt) {
    await state.prime(feedId, feed.items.flatMap(identitiesOf));
    await state.saveValidators(feedId, validators);
    log.info({ seen: feed.items.length, format: feed.format }, 'feed primed: existing items remembered, none sent');
    return { status: 'primed', seen: feed.items.length };
  }

  const created: string[] = [];
  const dispatched: string[] = [];
  let invalid = 0;
  // Items not looked at because of the cap (an upper bound of the new ones among them).
  let notLookedAt = 0;
  // Feeds list newest first; take them oldest first so brief ids follow publication order.
  const oldestFirst = [...feed.items].reverse();
  for (const [i, item] of oldestFirst.entries()) {
    // A feed that suddenly lists many new items (a migration, a hijack) does not become a blast of
    // sends: the rest wait for later polls, and the validators are not saved so those polls see them.
    if (created.length >= config.feed.maxNewItems) {
      notLookedAt = oldestFirst.length - i;
      break;
    }
    const result = await takeItem(deps, state, feedId, feed.title, item, log);
    if (result === 'invalid') invalid++;
    else if (result) {
      created.push(result.briefId);
      if (result.dispatchId) dispatched.push(result.dispatchId);
    }
  }
  if (notLookedAt) {
    const waiting = notLookedAt;
    log.warn({ code: 'FEED_NEW_ITEMS_CAPPED', created: created.length, max: config.feed.maxNewItems, waiting }, 'feed lists more new items than FEED_MAX_NEW_ITEMS: the rest wait for the next polls');
    if (config.feed.notify.length) {
      await state.recordOutcome(feedId, url, 'capped');
      // One notice per feed and hour, however often it polls meanwhile (a job id, once added, deduplicates).
      const hour = Math.floor(Date.now() / 3_600_000);
      await deps.mailQueue.add('feed-backlog', { kind: 'feed-backlog', feedId, waiting }, { jobId: `feed-backlog-${feedId}-${hour}` });
    }
  } else {
    await state.saveValidators(feedId, validators);
  }
  if (created.length || invalid) log.info({ created, dispatched, invalid }, 'feed polled');
  return { status: 'polled', created, dispatched, invalid };
}

async function takeItem(
  deps: FeedDeps,
  state: ReturnType<typeof createFeedState>,
  feedId: string,
  feedTitle: string,
  item: FeedItem,
  log: Logger,
): Promise<{ briefId: string; dispatchId?: string } | 'invalid' | null> {
  const { config } = deps;
  const identities = identitiesOf(item);
  if (!(await state.claim(identities))) return null;
  let validated: ReturnType<typeof itemToBrief>;
  try {
    validated = itemToBrief(item, { title: feedTitle }, config.topics);
  } catch (e) {
    // An item whose HTML cannot be read (too deep, too large) fails the same way on every read:
    // recorded once with its reason, never left claimed (which would hide it from every later poll).
    if (!(e instanceof FeedError)) {
      await giveBack(state, identities, item, e as Error, log);
      throw e;
    }
    await state.settle(identities, 'invalid');
    log.warn({ code: e.code, item: item.id.slice(0, 300), reason: e.message }, 'feed item skipped: its HTML cannot be read');
    return 'invalid';
  }
  if (!validated.ok) {
    // Remembered as seen: a broken item is reported once, not on every poll.
    await state.settle(identities, 'invalid');
    log.warn({ code: 'FEED_ITEM_INVALID', item: item.id.slice(0, 300), errors: validated.errors.slice(0, 10) }, 'feed item skipped: it does not make a valid brief');
    return 'invalid';
  }
  let briefId: string;
  try {
    briefId = (await deps.briefs.create(validated.brief, 'feed')).id;
  } catch (e) {
    await giveBack(state, identities, item, e as Error, log);
    throw e;
  }
  await state.settle(identities, briefId);
  let dispatchId: string | undefined;
  if (shouldAutoDispatch(config, validated.brief)) {
    try {
      dispatchId = (await deps.dispatchControl.create({ briefId })).id;
    } catch (e) {
      // The brief stays as a draft an editor can dispatch by hand.
      log.error({ code: 'FEED_AUTO_DISPATCH_FAILED', briefId, err: (e as Error).message }, 'feed brief could not be dispatched automatically');
    }
  }
  await state.recordBrief(briefId, { feedId, itemId: item.id.slice(0, 500), dispatchId });
  if (config.feed.notify.length) {
    await deps.mailQueue.add('feed-notice', { kind: 'feed-notice', briefId }, { jobId: noticeJobId(briefId) });
  }
  log.info({ briefId, dispatchId }, dispatchId ? 'feed item dispatched' : 'feed item saved as a draft');
  return { briefId, dispatchId };
}

/** Retried on later polls, at most FEED_ITEM_ATTEMPTS times; then recorded as failed with the reason. */
const FEED_ITEM_ATTEMPTS = 3;

async function giveBack(state: ReturnType<typeof createFeedState>, identities: string[], item: FeedItem, err: Error, log: Logger): Promise<void> {
  const outcome = await state.failed(identities, FEED_ITEM_ATTEMPTS).catch(() => 'retry' as const);
  if (outcome === 'gave-up') log.error({ code: 'FEED_ITEM_GAVE_UP', item: item.id.slice(0, 300), reason: err.message.slice(0, 300) }, `feed item failed ${FEED_ITEM_ATTEMPTS} polls in a row: recorded as failed`);
}
