import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import { buildOpsChartData, RATE_WINDOW_MINUTES, toDispatchProgress } from '../../ops/chartData.ts';
import { CHARTED_QUEUES, queueDepths } from '../../ops/queueDepth.ts';
import { createOpsSeries, RETENTION_MINUTES } from '../../ops/series.ts';
import { html } from '../html.ts';
import { uplotUrls } from './assets.ts';
import type { PageContext } from './layout.ts';

export const SERIES_PATH = '/admin/ops/series.json';
const WINDOWS = [15, 60, 180, RETENTION_MINUTES];
const DEFAULT_MINUTES = 60;
/** Dispatches listed under the charts, newest first. */
const RECENT_DISPATCHES = 8;

/** The window asked for, in minutes: a number from 5 up to what is kept; anything else gets the default. */
export function windowMinutes(raw: unknown): number {
  const n = Number.parseInt(typeof raw === 'string' ? raw : '', 10);
  if (!Number.isFinite(n)) return DEFAULT_MINUTES;
  return Math.min(Math.max(n, 5), RETENTION_MINUTES);
}

const chart = (id: string, title: string, note: string) =>
  html`<figure class="chart"><figcaption><strong>${title}</strong> <span class="muted">${note}</span></figcaption><div id="${id}" class="plot"></div></figure>`;

/** The charts' part of the ops page: uPlot from this origin, then the page's script fills the plots. */
export function chartsSection(ctx: PageContext, minutes: number) {
  const uplot = uplotUrls();
  return html`<link rel="stylesheet" href="${uplot.css}">
<style>
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(30rem, 1fr)); gap: 1rem 1.5rem; }
  figure.chart { margin: 0; min-width: 0; }
  figure.chart figcaption { margin-bottom: .3rem; }
  .plot { min-height: 190px; }
  label.inline-label { display: inline; margin: 0 .6rem; font-weight: normal; }
  #recent-dispatches progress { width: 8rem; height: 1rem; vertical-align: middle; }
</style>
<script nonce="${ctx.nonce}" src="${uplot.js}"></script>
<section id="ops-charts" data-series-url="${SERIES_PATH}" data-minutes="${String(minutes)}">
<h2>Sending</h2>
<p class="muted">Per minute, from every worker (each adds what it counted every few seconds; kept ${String(RETENTION_MINUTES / 60)} hours).
<label class="inline-label">Window <select id="charts-minutes">${[...new Set([...WINDOWS, minutes])].sort((a, b) => a - b).map(
    (m) => html`<option value="${String(m)}"${m === minutes ? html` selected` : ''}>${m < 60 ? `${m} min` : `${m / 60} h`}</option>`,
  )}</select></label> <span id="charts-updated"></span> <span id="charts-error" class="error"></span></p>
<div class="charts">
${chart('chart-sent', 'Sent per minute', 'copies the relay accepted, by lane')}
${chart('chart-failures', 'Failures per minute', 'by class: transient and throttled are retried; bounces, refusals and uncertain are not')}
${chart('chart-queues', 'Queue depth', 'jobs waiting or running')}
${chart('chart-progress', 'Dispatch progress', 'share of each recent dispatch’s audience settled')}
${chart('chart-feedback', 'Bounces and complaints per minute', 'as reported: at RCPT, by DSN, ARF or the relay’s webhook')}
${chart('chart-rates', 'Bounce and complaint rates', `per bulk copy sent, over the trailing ${RATE_WINDOW_MINUTES} minutes`)}
</div>
<h3>Recent dispatches</h3>
<table id="dispatch-progress"><thead><tr><th>Dispatch</th><th>Status</th><th>Progress</th><th>Sent</th><th>Failed</th><th>Suppressed</th><th>Uncertain</th><th>Bounce rate</th><th>Complaint rate</th></tr></thead>
<tbody id="recent-dispatches"></tbody></table>
<p id="no-dispatches" class="muted">No dispatch yet.</p>
</section>`;
}

/** The charts' data: the stored minutes plus what queues and dispatches look like right now. */
export function registerOpsSeries(app: FastifyInstance, s: ApiServices) {
  const series = createOpsSeries(s.redis, s.keys);
  app.get<{ Querystring: { minutes?: string } }>(SERIES_PATH, async (req, reply) => {
    const minutes = windowMinutes(req.query.minutes);
    // The hour before the window too, so its first minutes have a full hour for their rates.
    const [buckets, queues, recent] = await Promise.all([
      series.read(Math.min(minutes + RATE_WINDOW_MINUTES - 1, RETENTION_MINUTES)),
      queueDepths(s.queues),
      s.dispatches.list(RECENT_DISPATCHES),
    ]);
    const data = buildOpsChartData({ buckets, minutes, queueNames: CHARTED_QUEUES, live: { queues, dispatches: recent.map(toDispatchProgress) } });
    return reply.header('Cache-Control', 'no-store').send(data);
  });
}
