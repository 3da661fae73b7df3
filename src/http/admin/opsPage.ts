import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import type { MailerHealth } from '../../mail/mailer.ts';
import { createWorkerRegistry, type WorkerStatus } from '../../ops/workerRegistry.ts';
import { html } from '../html.ts';
import { pageContext, sendPage } from './layout.ts';
import { registerAdminAssets } from './assets.ts';
import { chartsSection, registerOpsSeries, windowMinutes } from './opsCharts.ts';
import { OPS_CHARTS_SCRIPT } from './opsChartsScript.ts';

export const OPS_PATH = '/admin/ops';

const LANES = ['transactional', 'bulk'] as const;

/** "12 s ago", "4 min ago": how long since an ISO time, for a person glancing at the page. */
export function ago(iso: string | undefined, now = Date.now()): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** A time as text: the ISO stamp in a <time>, with how long ago. */
const when = (iso: string | undefined, now: number) => (iso ? html`<time datetime="${iso}">${iso}</time> <span class="muted">(${ago(iso, now)})</span>` : html`<span class="muted">never</span>`);

const laneRow = (lane: (typeof LANES)[number], m: MailerHealth, now: number) => {
  const e = m.lastError;
  return html`<tr class="lane" data-lane="${lane}"><th scope="row">${lane}</th>
<td class="relay">${m.kind === 'outbox' ? html`<span class="muted">development outbox (no relay)</span>` : (m.relay ?? '')}</td>
<td class="last-ok">${when(m.lastOkAt, now)}</td>
<td class="last-error">${
    e
      ? html`${when(e.at, now)}<br>at <strong class="phase">${e.phase}</strong>: <code class="code">${e.code}</code> <span class="kind">(${e.kind})</span><br><code class="reply">${e.reply}</code>`
      : html`<span class="muted">none</span>`
  }</td></tr>`;
};

const workerBlock = (w: WorkerStatus, now: number) =>
  html`<article class="worker" data-worker-id="${w.id}">
<h3>${w.host} <span class="muted">pid ${w.pid}</span></h3>
<p class="muted">Worker <code>${w.id}</code> · started ${when(w.startedAt, now)} · last seen ${when(w.seenAt, now)}</p>
<table class="smtp"><thead><tr><th>Lane</th><th>Relay</th><th>Last good connection</th><th>Last error</th></tr></thead><tbody>
${LANES.map((lane) => laneRow(lane, w.smtp[lane], now))}
</tbody></table>
</article>`;

/**
 * The ops view: live charts of the whole deployment's sending (per-minute
 * series every worker writes to Redis), then every live worker process (from
 * the heartbeats in the worker registry) and how its SMTP relay looks to it.
 * Replies come from the relay, so everything goes through the escaping `html` builder.
 */
export function registerOpsPage(app: FastifyInstance, s: ApiServices) {
  const registry = createWorkerRegistry(s.redis, s.keys);
  registerAdminAssets(app);
  registerOpsSeries(app, s);
  app.get<{ Querystring: { minutes?: string } }>(OPS_PATH, async (req, reply) => {
    const now = Date.now();
    const workers = await registry.live(now);
    const ctx = pageContext(req, s.config.mail.listName);
    return sendPage(reply, ctx, {
      title: 'Ops',
      script: OPS_CHARTS_SCRIPT,
      body: html`<h1>Ops</h1>
${chartsSection(ctx, windowMinutes(req.query.minutes))}
<section id="workers">
<h2>Workers</h2>
<p class="muted">Each worker process writes a heartbeat every few seconds with what its two mail pools (transactional: confirmations and
test copies; bulk: dispatches) last saw of the relay. A worker that stops beating drops off this list.</p>
${
  workers.length
    ? workers.map((w) => workerBlock(w, now))
    : html`<p class="error" id="no-workers">No worker is running: nothing is being sent (start one with <code>briefwire worker</code>).</p>`
}
</section>
<p><a href="/admin/queues">Queues and jobs</a></p>`,
    });
  });
}
