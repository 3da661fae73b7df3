import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import type { Dispatch } from '../../dispatch/model.ts';
import { dispatchView } from '../routes/dispatches.ts';
import { html } from '../html.ts';
import { csrfInput, pageContext, sendPage, type PageContext } from './layout.ts';
import { DESK_SCRIPT } from './deskScript.ts';

/** How far back the list looks (newest first): scheduled and running ones further back than this are not shown. */
const LOOK_BACK = 300;
const RECENT = 30;
const RUNNING = new Set(['planning', 'sending', 'paused']);

/** /admin/dispatches: what is scheduled, what is running and what went out lately, with counts. */
export function registerDispatchListPage(app: FastifyInstance, s: ApiServices) {
  app.get('/admin/dispatches', async (req, reply) => {
    const ctx = pageContext(req, s.config.mail.listName);
    const all = await s.dispatches.list(LOOK_BACK);
    const briefIds = [...new Set(all.map((d) => d.briefId))];
    const briefs = new Map((await Promise.all(briefIds.map((id) => s.briefs.get(id)))).flatMap((b) => (b ? [[b.id, b] as const] : [])));
    const titleOf = (d: Dispatch) => briefs.get(d.briefId)?.brief.title;
    const scheduled = all.filter((d) => d.status === 'scheduled').sort((a, b) => (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? ''));
    const running = all.filter((d) => RUNNING.has(d.status));
    const recent = all.filter((d) => d.status !== 'scheduled' && !RUNNING.has(d.status)).slice(0, RECENT);

    const brief = (d: Dispatch) => {
      const t = titleOf(d);
      return t ? html`<a href="/admin/briefs/${d.briefId}">${t}</a>` : html`<span class="muted">${d.briefId} (deleted)</span>`;
    };
    const counts = (d: Dispatch) => {
      const v = dispatchView(d);
      return html`<td class="num">${v.total}</td><td class="num">${v.sent}</td><td class="num">${v.failed}</td><td class="num">${v.suppressed}</td><td class="num">${v.uncertain}</td><td class="num">${v.bounced}</td><td class="num">${Math.round(v.progress * 100)}%</td>`;
    };
    const countHeads = html`<th>Total</th><th>Sent</th><th>Failed</th><th>Suppressed</th><th>Uncertain</th><th>Bounced</th><th>Done</th>`;
    const link = (d: Dispatch) => html`<a href="/admin/dispatches/${d.id}">${d.id}</a>`;
    const when = (iso: string | undefined) => (iso ? html`<time data-local datetime="${iso}">${iso}</time>` : html`<span class="muted">–</span>`);
    const cancel = (c: PageContext, d: Dispatch) =>
      html`<form method="post" action="/admin/dispatches/${d.id}/cancel" class="inline">${csrfInput(c)}<button type="submit" class="secondary" id="cancel-${d.id}">Cancel…</button></form>`;

    return sendPage(reply, ctx, {
      title: 'Dispatches',
      script: DESK_SCRIPT,
      body: html`<style>td.num { text-align: right; font-variant-numeric: tabular-nums; }</style>
<h1>Dispatches</h1>
<p class="muted">Times are in your time zone (<span data-zone-name>local time</span>). Counts as of loading this page; each dispatch's page shows live progress.</p>
<h2>Scheduled</h2>
${scheduled.length ? html`<table id="scheduled-dispatches"><thead><tr><th>Dispatch</th><th>Brief</th><th>Sends at</th><th>Topics</th><th></th></tr></thead><tbody>
${scheduled.map((d) => html`<tr data-dispatch-id="${d.id}"><td>${link(d)}</td><td>${brief(d)}</td><td>${when(d.scheduledAt)}</td><td>${d.topics.join(', ') || html`<span class="muted">the brief’s</span>`}</td><td>${cancel(ctx, d)}</td></tr>`)}
</tbody></table>` : html`<p class="muted" id="no-scheduled">Nothing is scheduled.</p>`}
<h2>Running</h2>
${running.length ? html`<table id="running-dispatches"><thead><tr><th>Dispatch</th><th>Brief</th><th>Status</th><th>Started</th>${countHeads}</tr></thead><tbody>
${running.map((d) => html`<tr data-dispatch-id="${d.id}"><td>${link(d)}</td><td>${brief(d)}</td><td class="status">${d.status}${d.reasonCode ? html` <code>${d.reasonCode}</code>` : ''}</td><td>${when(d.startedAt ?? d.createdAt)}</td>${counts(d)}</tr>`)}
</tbody></table>` : html`<p class="muted" id="no-running">Nothing is sending.</p>`}
<h2>Recent</h2>
${recent.length ? html`<table id="recent-dispatches"><thead><tr><th>Dispatch</th><th>Brief</th><th>Status</th><th>Finished</th>${countHeads}</tr></thead><tbody>
${recent.map((d) => html`<tr data-dispatch-id="${d.id}"><td>${link(d)}</td><td>${brief(d)}</td><td class="status">${d.status}</td><td>${when(d.finishedAt)}</td>${counts(d)}</tr>`)}
</tbody></table>` : html`<p class="muted" id="no-recent">No dispatch has finished yet.</p>`}`,
    });
  });
}
