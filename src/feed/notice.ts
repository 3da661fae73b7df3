import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { BriefStore } from '../briefs/store.ts';
import { escapeHtml } from '../escapeHtml.ts';
import { composeMessage } from '../mail/compose.ts';
import { envelopeAddress } from '../mail/mailer.ts';
import { PermanentMailError, sendTransactional, type TransactionalMailDeps } from '../mail/transactional.ts';
import { createDoneSet } from '../queue/mailLane.ts';
import { createFeedState } from './state.ts';
import { feedUrlFor } from './schedule.ts';

/**
 * The short emails that tell the editors in FEED_NOTIFY a brief came in from
 * the feed (with the link to review it), or that a feed lists more new items
 * than one poll takes. Jobs carry ids and counts only; addresses come from
 * config. A retry skips editors already told.
 */

export interface FeedNoticeDeps extends TransactionalMailDeps {
  config: Config;
  redis: RedisClient;
  keys: Keyspace;
  briefs: BriefStore;
}

/** How long the editors already told are remembered: a retry comes well within it. */
const NOTICE_DONE_TTL_SEC = 7 * 24 * 3600;

export function reviewUrl(config: Config, briefId: string): string {
  return `${config.http.publicUrl}/admin/briefs/${encodeURIComponent(briefId)}`;
}

export function renderFeedNotice(input: { title: string; siteUrl: string; reviewUrl: string; dispatchId?: string }) {
  const status = input.dispatchId
    ? `It is being sent to subscribers automatically (dispatch ${input.dispatchId}).`
    : 'It is a draft: nothing has been sent. Review it, then send it to the audience.';
  const subject = `${input.dispatchId ? 'Sending from the feed' : 'New draft from the feed'}: ${input.title}`;
  const text = [
    'The site feed brought in a new brief:',
    '',
    `  ${input.title}`,
    `  ${input.siteUrl}`,
    '',
    status,
    '',
    `Preview: ${input.reviewUrl}`,
    '',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<p>The site feed brought in a new brief:</p>
<p><strong>${escapeHtml(input.title)}</strong><br><a href="${escapeHtml(input.siteUrl)}">${escapeHtml(input.siteUrl)}</a></p>
<p>${escapeHtml(status)}</p>
<p><a href="${escapeHtml(input.reviewUrl)}">Preview it</a></p>
</body></html>`;
  return { subject, text, html };
}

export async function sendFeedNotice(deps: FeedNoticeDeps, briefId: string): Promise<string> {
  if (!deps.config.feed.notify.length) return 'no-recipients';
  const stored = await deps.briefs.get(briefId);
  if (!stored) return 'brief-gone';
  const origin = await createFeedState(deps.redis, deps.keys).briefOrigin(briefId);
  const notice = renderFeedNotice({
    title: stored.brief.title,
    siteUrl: stored.brief.url,
    reviewUrl: reviewUrl(deps.config, briefId),
    dispatchId: origin?.dispatchId,
  });
  return tellEditors(deps, deps.keys.feedNoticeDone(briefId), notice);
}

/** A feed listed more new items than FEED_MAX_NEW_ITEMS: the editors hear it once per job (the poller keys one per feed and hour). */
export async function sendFeedBacklogNotice(deps: FeedNoticeDeps, job: { jobId: string; feedId: string; waiting: number }): Promise<string> {
  if (!deps.config.feed.notify.length) return 'no-recipients';
  const feedUrl = feedUrlFor(deps.config, job.feedId) ?? (await deps.redis.hget(deps.keys.feed(job.feedId), 'url')) ?? `(feed ${job.feedId})`;
  const max = deps.config.feed.maxNewItems;
  const subject = `The feed lists more new items than one poll takes (${max})`;
  const lines = [
    `The site feed ${feedUrl} lists more than ${max} new items at once (up to ${job.waiting} more wait).`,
    `At most ${max} become briefs per poll (FEED_MAX_NEW_ITEMS); the rest follow on the next polls.`,
    'If this is a migration or a mistake, stop the watcher (unset FEED_URL) before they all come in.',
  ];
  const html = `<!doctype html><html><body style="font-family:sans-serif">${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;
  return tellEditors(deps, deps.keys.feedNoticeDone(`backlog-${job.jobId}`), { subject, text: `${lines.join('\n\n')}\n`, html });
}

/** One message to every editor in FEED_NOTIFY; a retry skips those already told. */
async function tellEditors(deps: FeedNoticeDeps, doneKey: string, message: { subject: string; text: string; html: string }): Promise<string> {
  const from = deps.config.mail.from;
  const done = createDoneSet(deps.redis, doneKey, NOTICE_DONE_TTL_SEC);
  const refused: string[] = [];
  for (const to of deps.config.feed.notify) {
    if (await done.has(to)) continue;
    const raw = await composeMessage({ from, to, ...message });
    try {
      await sendTransactional(deps, { from: envelopeAddress(from), to, raw });
    } catch (e) {
      // A transient failure retries the job (editors already told are skipped);
      // a bounce will not change, so the other editors still get theirs.
      if (!(e instanceof PermanentMailError)) throw e;
      refused.push(e.message);
    }
    await done.add(to);
  }
  if (refused.length) throw new PermanentMailError(`feed notice refused for ${refused.length} editor(s): ${refused[0]}`);
  return 'sent';
}
