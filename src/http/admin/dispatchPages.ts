import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { DispatchError } from '../../dispatch/control.ts';
import { dispatchView } from '../routes/dispatches.ts';
import { HttpError, notFound } from '../errors.ts';
import { html } from '../html.ts';
import { formFields, many, one } from './form.ts';
import { csrfInput, pageContext, postButton, sendPage } from './layout.ts';
import { PROGRESS_SCRIPT } from './progressScript.ts';
import { registerDigestPages } from './digestPages.ts';
import { DESK_SCRIPT } from './deskScript.ts';

const BRIEF_ID = /^b[0-9]{1,15}$/;
const ACTIONS = ['pause', 'resume', 'cancel', 'retry-failed'] as const;
type Action = (typeof ACTIONS)[number];
const REFUSALS: Record<string, string> = {
  INVALID_STATE: 'That action does not apply to the dispatch in its current state.',
  NOT_FOUND: 'No such dispatch.',
};

/** 0.0031 -> "0.31%". */
const percent = (share: number) => `${(share * 100).toFixed(2)}%`;

/** Audience check and confirmation, the dispatch page with live progress, and its controls. */
export function registerDispatchPages(app: FastifyInstance, s: ApiServices) {
  const ctxOf = (req: FastifyRequest) => pageContext(req, s.config.mail.listName);
  const loadBrief = async (id: string) => {
    const b = BRIEF_ID.test(id) ? await s.briefs.get(id) : null;
    if (!b) throw notFound('brief');
    return b;
  };
  const loadDispatch = async (id: string) => {
    const d = /^[A-Za-z0-9_-]{1,64}$/.test(id) ? await s.dispatches.get(id) : null;
    if (!d) throw notFound('dispatch');
    return d;
  };
  /** Known topics only; none chosen means the brief's own topics (the API's rule), so the count matches the send. */
  const chosenTopics = (raw: string[], briefTopics: string[]) => {
    const unknown = raw.filter((t) => !s.config.topics.includes(t));
    if (unknown.length) throw new HttpError(400, 'INVALID_INPUT', `Unknown topic: ${unknown[0]}`, [{ field: 'topics', message: 'contains an unknown topic' }]);
    const topics = [...new Set(raw)];
    return topics.length ? topics : briefTopics.filter((t) => s.config.topics.includes(t));
  };

  app.get<{ Params: { id: string }; Querystring: { topics?: string | string[] } }>('/admin/briefs/:id/dispatch', async (req, reply) => {
    const b = await loadBrief(req.params.id);
    const topics = chosenTopics(many(req.query.topics), b.brief.topics);
    return confirmPage(req, reply, b.id, b.brief.title, topics);
  });

  const confirmPage = async (req: FastifyRequest, reply: FastifyReply, briefId: string, title: string, topics: string[], existing?: string) => {
    const ctx = ctxOf(req);
    const count = await s.dispatchControl.audienceSize(topics);
    return sendPage(reply, ctx, {
      title: 'Confirm dispatch',
      status: existing ? 409 : 200,
      body: html`<h1>Send “${title}”</h1>
<p>Topics: ${topics.join(', ') || 'all'}</p>
<p>This goes to <strong id="audience-count">${count}</strong> active subscriber${count === 1 ? '' : 's'} (those who picked any of these topics, or none).</p>
${existing ? html`<p class="error" id="already-dispatched">This brief has already been dispatched (<a href="/admin/dispatches/${existing}">see that dispatch</a>). Tick “send again” to send it once more.</p>` : ''}
<form method="post" action="/admin/briefs/${briefId}/dispatch">
  ${csrfInput(ctx)}
  ${topics.map((t) => html`<input type="hidden" name="topics" value="${t}">`)}
  ${existing ? html`<label><input type="checkbox" name="force" value="1"> Send again to everyone in this audience</label>` : ''}
  <label><input type="checkbox" name="priority" value="breaking" id="priority-breaking"> Breaking: ahead of every routine send waiting, and through readers’ quiet hours</label>
  <button type="submit" id="confirm-dispatch">Send to ${count} subscriber${count === 1 ? '' : 's'}</button>
  <a href="/admin/briefs/${briefId}">Cancel</a>
</form>`,
    });
  };

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/dispatch', async (req, reply) => {
    const b = await loadBrief(req.params.id);
    const f = formFields(req);
    const topics = chosenTopics(many(f.topics), b.brief.topics);
    try {
      const { id } = await s.dispatchControl.create({ briefId: b.id, topics, force: one(f.force) === '1', priority: one(f.priority) === 'breaking' ? 'breaking' : 'normal' });
      return reply.redirect(`/admin/dispatches/${id}`, 303);
    } catch (e) {
      if (e instanceof DispatchError && e.code === 'ALREADY_DISPATCHED') return confirmPage(req, reply, b.id, b.brief.title, topics, e.dispatchId);
      throw e;
    }
  });

  app.get<{ Params: { id: string }; Querystring: { refused?: string; restored?: string } }>('/admin/dispatches/:id', async (req, reply) => {
    const d = dispatchView(await loadDispatch(req.params.id));
    const brief = await s.briefs.get(d.briefId);
    const ctx = ctxOf(req);
    const refused = req.query.refused ? REFUSALS[req.query.refused] : undefined;
    const restored = req.query.restored && /^[0-9]{1,9}$/.test(req.query.restored) ? Number(req.query.restored) : undefined;
    const pct = Math.round(d.progress * 100);
    const count = (key: 'sent' | 'failed' | 'suppressed' | 'uncertain' | 'expired' | 'bounced' | 'complained') => html`<dt>${key}</dt><dd id="count-${key}">${d[key]}</dd>`;
    return sendPage(reply, ctx, {
      title: `Dispatch ${d.id}`,
      // The desk script puts each control behind a confirmation step.
      script: PROGRESS_SCRIPT + DESK_SCRIPT,
      body: html`<h1>Dispatch ${d.id}</h1>
${d.kind === 'digest' ? html`<p>Daily digest of ${d.briefIds?.length ?? 0} brief${d.briefIds?.length === 1 ? '' : 's'} (<a href="/admin/digests">digests</a>)</p>` : html`<p>Brief: ${brief ? html`<a href="/admin/briefs/${brief.id}">${brief.brief.title}</a>` : d.briefId} · topics ${d.topics.join(', ') || 'the brief’s'}</p>`}
<p id="urgency">Priority <strong>${d.priority}</strong>${d.expiresAt ? html` · expires ${d.expiresAt}` : ''}${d.daily ? html` · ${d.daily} reader${d.daily === 1 ? '' : 's'} left to their daily digest` : ''}</p>
${refused ? html`<p class="error" id="refused">${refused}</p>` : ''}
<div id="dispatch" data-progress-url="/admin/dispatches/${d.id}/progress">
  <p>Status: <span class="status" id="status">${d.status}</span> <code id="reason-code"${d.reasonCode ? '' : ' hidden'}>${d.reasonCode ?? ''}</code> <span id="reason" class="muted">${d.reason ?? ''}</span></p>
  <progress id="bar" max="100" value="${pct}">${pct}%</progress>
  <p><strong id="percent">${pct}%</strong> of <span id="total">${d.total}</span><span id="planned">${d.planned ? '' : ' (still planning)'}</span>
   · <span id="rate">${d.ratePerSecond}</span>/s · ETA <span id="eta">${d.etaSeconds === null ? '–' : `${d.etaSeconds}s`}</span></p>
  <dl class="counts">${count('sent')}${count('failed')}${count('suppressed')}${count('uncertain')}${count('expired')}${count('bounced')}${count('complained')}</dl>
  <p id="feedback-rates">Bounce rate <strong id="bounce-rate">${percent(d.bounceRate)}</strong> · complaint rate <strong id="complaint-rate">${percent(d.complaintRate)}</strong>
   <span class="muted">of the copies sent. Bounces and complaints come back after the send (bounce messages, relay webhooks), so these grow for days;
   a complaint rate above ${percent(s.config.feedback.complaintPauseRate)} pauses a dispatch still sending (<code>COMPLAINT_SPIKE</code>).</span></p>
  <p>
    ${ACTIONS.map((a) => postButton(ctx, `/admin/dispatches/${d.id}/${a}`, a === 'retry-failed' ? 'Retry failed' : a[0]!.toUpperCase() + a.slice(1), { id: `action-${a}` }))}
  </p>
</div>
<section id="restore-bounced">
  <h2>Bounced readers</h2>
  ${restored === undefined ? '' : html`<p class="notice" id="restored">Restored ${restored} reader${restored === 1 ? '' : 's'}.</p>`}
  <p class="muted">Use this after a relay refused everyone (a misconfigured relay answering “no such user” to every address): it puts the readers
  this dispatch marked bounced back to active. Then resume the dispatch; once it is done, “Retry failed” resends to them.</p>
  ${postButton(ctx, `/admin/dispatches/${d.id}/restore-bounced`, 'Restore bounced readers', { id: 'action-restore-bounced', cls: 'secondary' })}
</section>`,
    });
  });

  app.get<{ Params: { id: string } }>('/admin/dispatches/:id/progress', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return dispatchView(await loadDispatch(req.params.id));
  });

  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/admin/dispatches/:id/${action}`, async (req, reply) => {
      const d = await loadDispatch(req.params.id);
      try {
        await run(action, d.id);
        return reply.redirect(`/admin/dispatches/${d.id}`, 303);
      } catch (e) {
        if (e instanceof DispatchError) return reply.redirect(`/admin/dispatches/${d.id}?refused=${e.code}`, 303);
        throw e;
      }
    });
  }
  app.post<{ Params: { id: string } }>('/admin/dispatches/:id/restore-bounced', async (req, reply) => {
    const d = await loadDispatch(req.params.id);
    const { restored } = await s.dispatchControl.restoreBounced(d.id);
    return reply.redirect(`/admin/dispatches/${d.id}?restored=${restored}`, 303);
  });

  const run = (action: Action, id: string): Promise<unknown> =>
    action === 'retry-failed' ? s.dispatchControl.retryFailed(id) : s.dispatchControl[action](id);
  registerDigestPages(app, s);
}
