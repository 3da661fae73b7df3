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

/**
 * The short email that tells the editors in FEED_NOTIFY a brief came in from
 * the feed, with the link to review it. The job carries the brief id only;
 * addresses come from config. A retry skips editors already told.
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
  const recipients = deps.config.feed.notify;
  if (!recipients.length) return 'no-recipients';
  const stored = await deps.briefs.get(briefId);
  if (!stored) return 'brief-gone';
  const origin = await createFeedState(deps.redis, deps.keys).briefOrigin(briefId);
  const { subject, text, html } = renderFeedNotice({
    title: stored.brief.title,
    siteUrl: stored.brief.url,
    reviewUrl: reviewUrl(deps.config, briefId),
    dispatchId: origin?.dispatchId,
  });
  const from = deps.config.mail.from;
  const done = createDoneSet(deps.redis, deps.keys.feedNoticeDone(briefId), NOTICE_DONE_TTL_SEC);
  const refused: string[] = [];
  for (const to of recipients) {
    if (await done.has(to)) continue;
    const raw = await composeMessage({ from, to, subject, html, text });
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
