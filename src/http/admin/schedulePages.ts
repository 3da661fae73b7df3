import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { DispatchError } from '../../dispatch/control.ts';
import type { StoredBrief } from '../../briefs/store.ts';
import { HttpError, notFound } from '../errors.ts';
import { html } from '../html.ts';
import { formFields, many, one } from './form.ts';
import { csrfInput, pageContext, sendPage } from './layout.ts';
import { DESK_SCRIPT } from './deskScript.ts';

const BRIEF_ID = /^b[0-9]{1,15}$/;
/** A time this close is "now" to the dispatch control: say so rather than send at once what was meant for later. */
const MIN_LEAD_MS = 60_000;
const MAX_LEAD_MS = 366 * 24 * 3600_000;

/**
 * Scheduling a dispatch from the brief page: the browser turns the editor's
 * local date and time into an ISO instant (`at`); this page confirms it, in
 * the editor's zone, with the audience count, before anything is scheduled.
 */
export function registerSchedulePages(app: FastifyInstance, s: ApiServices) {
  const ctxOf = (req: FastifyRequest) => pageContext(req, s.config.mail.listName);
  const loadBrief = async (id: string) => {
    const b = BRIEF_ID.test(id) ? await s.briefs.get(id) : null;
    if (!b) throw notFound('brief');
    return b;
  };
  const chosenTopics = (raw: string[], briefTopics: string[]) => {
    const unknown = raw.filter((t) => !s.config.topics.includes(t));
    if (unknown.length) throw new HttpError(400, 'INVALID_INPUT', `Unknown topic: ${unknown[0]}`, [{ field: 'topics', message: 'contains an unknown topic' }]);
    const topics = [...new Set(raw)];
    return topics.length ? topics : briefTopics.filter((t) => s.config.topics.includes(t));
  };
  /** The instant, or why it cannot be scheduled. */
  const readAt = (raw: string): { at: Date } | { problem: string } => {
    if (!raw) return { problem: 'Choose a date and time to send at.' };
    const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : NaN;
    if (Number.isNaN(t)) return { problem: 'That is not a date and time.' };
    if (t < Date.now() + MIN_LEAD_MS) return { problem: 'That time has passed or is less than a minute away: to send now, use “Check the audience…”.' };
    if (t > Date.now() + MAX_LEAD_MS) return { problem: 'That is more than a year away.' };
    return { at: new Date(t) };
  };

  const page = async (req: FastifyRequest, reply: FastifyReply, b: StoredBrief, topics: string[], at: { at: Date } | { problem: string }, existing?: string) => {
    const ctx = ctxOf(req);
    const count = await s.dispatchControl.audienceSize(topics);
    const iso = 'at' in at ? at.at.toISOString() : '';
    return sendPage(reply, ctx, {
      title: 'Schedule dispatch',
      status: existing ? 409 : 'problem' in at ? 400 : 200,
      script: DESK_SCRIPT,
      body: html`<h1>Schedule “${b.brief.title}”</h1>
<p>Topics: ${topics.join(', ') || 'all'}</p>
${'problem' in at ? html`<p class="error" id="schedule-problem">${at.problem} <a href="/admin/briefs/${b.id}">Back to the brief</a></p>` : html`
<p>Sends at <strong><time data-local datetime="${iso}" id="scheduled-at">${iso}</time></strong> to the active subscribers then (those who picked any of these topics, or none):
<strong id="audience-count">${count}</strong> today.</p>
<p class="muted">Until it starts the brief stays editable, and the dispatch sends the version saved when it starts. It can be cancelled from the dispatch list.</p>
${existing ? html`<p class="error" id="already-dispatched">This brief already has a dispatch (<a href="/admin/dispatches/${existing}">see it</a>): cancel that one first, or send again from it once it is done.</p>` : ''}
<form method="post" action="/admin/briefs/${b.id}/schedule">
  ${csrfInput(ctx)}
  ${topics.map((t) => html`<input type="hidden" name="topics" value="${t}">`)}
  <input type="hidden" name="at" value="${iso}">
  <p><label><input type="checkbox" name="priority" value="breaking" id="schedule-breaking"> Breaking: ahead of every routine send waiting, and through readers’ quiet hours</label></p>
  <button type="submit" id="confirm-schedule">Schedule for ${count} subscriber${count === 1 ? '' : 's'}</button>
  <a href="/admin/briefs/${b.id}">Cancel</a>
</form>`}`,
    });
  };

  app.get<{ Params: { id: string }; Querystring: { topics?: string | string[]; at?: string } }>('/admin/briefs/:id/schedule', async (req, reply) => {
    const b = await loadBrief(req.params.id);
    return page(req, reply, b, chosenTopics(many(req.query.topics), b.brief.topics), readAt(typeof req.query.at === 'string' ? req.query.at : ''));
  });

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/schedule', async (req, reply) => {
    const b = await loadBrief(req.params.id);
    const f = formFields(req);
    const topics = chosenTopics(many(f.topics), b.brief.topics);
    const at = readAt(one(f.at));
    if ('problem' in at) return page(req, reply, b, topics, at);
    try {
      const { id } = await s.dispatchControl.create({ briefId: b.id, topics, at: at.at, priority: one(f.priority) === 'breaking' ? 'breaking' : 'normal' });
      return reply.redirect(`/admin/dispatches/${id}`, 303);
    } catch (e) {
      if (e instanceof DispatchError && e.code === 'ALREADY_DISPATCHED') return page(req, reply, b, topics, at, e.dispatchId);
      throw e;
    }
  });
}
