import type { Config } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { BriefStore } from '../briefs/store.ts';
import { composeMessage } from '../mail/compose.ts';
import { envelopeAddress, type Mailer, type MailSendError } from '../mail/mailer.ts';
import { classifySmtpFailure, describeSmtpFailure } from '../mail/smtpFailure.ts';
import { PermanentMailError } from '../mail/transactionalSender.ts';
import { createFeedState } from './state.ts';

/**
 * The short email that tells the editors in FEED_NOTIFY a brief came in from
 * the feed, with the link to review it. The job carries the brief id only;
 * addresses come from config. A retry skips editors already told.
 */

export interface FeedNoticeDeps {
  config: Config;
  metrics: Metrics;
  redis: RedisClient;
  keys: Keyspace;
  mailer: Mailer;
  briefs: BriefStore;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

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
<p><strong>${esc(input.title)}</strong><br><a href="${esc(input.siteUrl)}">${esc(input.siteUrl)}</a></p>
<p>${esc(status)}</p>
<p><a href="${esc(input.reviewUrl)}">Preview it</a></p>
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
  const doneKey = `${deps.keys.prefix}:feed:notice:${briefId}:done`;
  const refused: string[] = [];
  for (const to of recipients) {
    if (await deps.redis.sismember(doneKey, to)) continue;
    const raw = await composeMessage({ from, to, subject, html, text });
    try {
      await deps.mailer.send({ from: envelopeAddress(from), to, raw });
      deps.metrics.emails.inc({ lane: 'transactional', outcome: 'sent' });
    } catch (e) {
      const kind = classifySmtpFailure(e as MailSendError);
      deps.metrics.emails.inc({ lane: 'transactional', outcome: kind });
      // A transient failure retries the job (editors already told are skipped);
      // a refusal will not change, so the other editors still get theirs.
      if (kind !== 'bounce') throw e;
      refused.push(describeSmtpFailure(e as MailSendError));
    }
    await deps.redis.multi().sadd(doneKey, to).expire(doneKey, 7 * 24 * 3600).exec();
  }
  if (refused.length) throw new PermanentMailError(`feed notice refused for ${refused.length} editor(s): ${refused[0]}`);
  return 'sent';
}
