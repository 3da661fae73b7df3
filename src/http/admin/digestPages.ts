import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import { requestDigestRun } from '../../digests/queue.ts';
import { digestListOf, digestQueueOf } from '../routes/digests.ts';
import { html } from '../html.ts';
import { pageContext, postButton, sendPage } from './layout.ts';

/** Daily digests in /admin: the digest sends with their counts, and "send the digest now". */
export function registerDigestPages(app: FastifyInstance, s: ApiServices) {
  app.get<{ Querystring: { queued?: string } }>('/admin/digests', async (req, reply) => {
    const ctx = pageContext(req, s.config.mail.listName);
    const items = await digestListOf(s, 50);
    const queued = req.query.queued && /^run-[0-9a-z-]{1,40}$/.test(req.query.queued) ? req.query.queued : undefined;
    const { digestHour, defaultTimeZone, quietHours } = s.config.cadence;
    return sendPage(reply, ctx, {
      title: 'Digests',
      body: html`<h1>Daily digests</h1>
<p class="muted">Readers who chose a daily digest get one at ${String(digestHour).padStart(2, '0')}:00 in their own time zone (${defaultTimeZone} when they chose none),
with the briefs sent since their last one that they did not get as alerts.${quietHours ? ` Quiet hours: ${quietHours.start}:00–${quietHours.end}:00 local time (breaking dispatches go through them).` : ''}</p>
${queued ? html`<p class="notice" id="digest-queued">Digest run <code>${queued}</code> queued: every daily reader with something pending gets their digest now.</p>` : ''}
<p>${postButton(ctx, '/admin/digests/run', 'Send the digest now', { id: 'run-digests' })}</p>
${items.length === 0 ? html`<p class="muted">No digest sent yet.</p>` : ''}
<table id="digests"><thead><tr><th>Send</th><th>Briefs</th><th>Status</th><th>Readers</th><th>Sent</th><th>Failed</th><th>Suppressed</th><th>Uncertain</th><th>Created</th></tr></thead><tbody>
${items.map(
  (d) => html`<tr><td><a href="/admin/dispatches/${d.id}">${d.id}</a></td><td>${d.briefs.map((b, i) => html`${i ? ', ' : ''}${b.title}`)}</td><td class="status">${d.status}</td>
<td>${d.total}</td><td>${d.sent}</td><td>${d.failed}</td><td>${d.suppressed}</td><td>${d.uncertain}</td><td>${d.createdAt}</td></tr>`,
)}
</tbody></table>`,
    });
  });

  app.post('/admin/digests/run', async (_req, reply) => {
    const id = await requestDigestRun(digestQueueOf(s));
    return reply.redirect(`/admin/digests?queued=${encodeURIComponent(id)}`, 303);
  });
}
