import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { correctionDraft } from '../../briefs/changes.ts';
import { dispatchHasStarted, type BriefHistoryEntry, type StoredBrief } from '../../briefs/store.ts';
import type { FieldError } from '../errors.ts';
import { notFound } from '../errors.ts';
import { html } from '../html.ts';
import { createWorkerRegistry } from '../../ops/workerRegistry.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createEditorIdentity } from '../editorIdentity.ts';
import { refusalError } from '../routes/briefs.ts';
import { apiErrors, createApiCaller, formFields, one } from './form.ts';
import { csrfInput, fieldErrors, pageContext, sendPage } from './layout.ts';
import { DESK_SCRIPT } from './deskScript.ts';

const BRIEF_ID = /^b[0-9]{1,15}$/;

const NOTICES: Record<string, string> = {
  BRIEF_SENT: 'This brief has been sent, so it can no longer change. Make a correction (a new brief) from it instead.',
};

const historyLine = (e: BriefHistoryEntry) => {
  switch (e.action) {
    case 'created':
      return e.brief ? html`created as a correction of <a href="/admin/briefs/${e.brief}">${e.brief}</a>` : 'created';
    case 'updated':
      return html`changed ${e.changed?.join(', ') ?? ''} (version ${e.version ?? ''})`;
    case 'correction':
      return html`correction drafted: <a href="/admin/briefs/${e.brief ?? ''}">${e.brief ?? ''}</a>`;
    case 'sent':
      return html`first dispatch started (version ${e.version ?? ''} is what readers got)`;
    case 'archived':
      return 'archived';
  }
};

/** Briefs: the list (with dispatch status), one brief's previews, test send, its changes (delete, archive, correction) and history. */
export function registerBriefPages(app: FastifyInstance, s: ApiServices) {
  const api = createApiCaller(app, s.config);
  const registry = createWorkerRegistry(s.redis, s.keys);
  const identity = createEditorIdentity(s.config, createEditorAuth(s).tokenDigest);
  const ctxOf = (req: FastifyRequest) => pageContext(req, s.config.mail.listName);
  const load = async (id: string) => {
    const b = BRIEF_ID.test(id) ? await s.briefs.get(id) : null;
    if (!b) throw notFound('brief');
    return b;
  };

  app.get<{ Querystring: { before?: string; archived?: string; deleted?: string } }>('/admin', async (req, reply) => {
    const before = req.query.before && BRIEF_ID.test(req.query.before) ? req.query.before : undefined;
    const archived = req.query.archived === '1';
    const deleted = req.query.deleted && BRIEF_ID.test(req.query.deleted) ? req.query.deleted : undefined;
    const items = await s.briefs.list({ limit: 50, before, archived });
    const latest = await s.dispatches.latestForBriefs(items.map((b) => b.id));
    const dispatches = await Promise.all(latest.map((id) => (id ? s.dispatches.get(id) : Promise.resolve(null))));
    const workers = await registry.live();
    return sendPage(reply, ctxOf(req), {
      title: archived ? 'Archived briefs' : 'Briefs',
      body: html`<h1>${archived ? 'Archived briefs' : 'Briefs'}</h1>
${workers.length ? '' : html`<p class="error" id="no-workers-warning">No worker is running: dispatches and confirmations wait until one starts (<a href="/admin/ops">Ops</a>).</p>`}
${deleted ? html`<p class="notice" id="deleted">Brief ${deleted} was deleted.</p>` : ''}
<p><a href="/admin/briefs/new">New brief from Markdown</a> · <a href="/admin/dispatches">Dispatches</a> · <a href="/admin/digests" id="digests-link">Daily digests</a> · ${archived ? html`<a href="/admin">Current briefs</a>` : html`<a href="/admin?archived=1" id="archived-link">Archived briefs</a>`}</p>
${items.length === 0 ? html`<p class="muted">No briefs yet.</p>` : ''}
<table id="briefs"><thead><tr><th>Title</th><th>Published</th><th>Topics</th><th>Dispatch</th></tr></thead><tbody>
${items.map((b, i) => {
  const d = dispatches[i];
  return html`<tr data-brief-id="${b.id}"><td><a href="/admin/briefs/${b.id}">${b.brief.title}</a>${b.correctionOf ? html` <span class="muted">(correction)</span>` : ''}</td><td>${b.brief.publishedAt}</td><td>${b.brief.topics.join(', ')}</td>
<td>${d ? html`<a href="/admin/dispatches/${d.id}" class="status">${d.status}</a> <span class="muted">${d.sent}/${d.total} sent</span>` : html`<span class="muted">not sent</span>`}</td></tr>`;
})}
</tbody></table>
${items.length === 50 ? html`<p><a href="/admin?${archived ? 'archived=1&' : ''}before=${items[items.length - 1]!.id}">Older briefs</a></p>` : ''}`,
    });
  });

  const briefPage = async (req: FastifyRequest, reply: FastifyReply, b: StoredBrief, testErrors: FieldError[] = [], testTo = '', status?: number, notice?: string) => {
    const ctx = ctxOf(req);
    const latestId = (await s.dispatches.latestForBriefs([b.id]))[0];
    const latest = latestId ? await s.dispatches.get(latestId) : null;
    const sent = !!b.publishedAt || (latest ? dispatchHasStarted(latest) : false);
    const scheduled = latest?.status === 'scheduled';
    const text = await api({ method: 'GET', url: `/api/briefs/${b.id}/preview?format=text` });
    const history = await s.briefs.history(b.id);
    const q = req.query as { test?: string; saved?: string; refused?: string; archived?: string };
    const saved = q.saved && /^\d{1,9}$/.test(q.saved) ? q.saved : undefined;
    const said = notice ?? (q.refused ? NOTICES[q.refused] : undefined);
    return sendPage(reply, ctx, {
      title: b.brief.title,
      status: status ?? (testErrors.length ? 400 : 200),
      script: DESK_SCRIPT,
      body: html`<h1 id="brief-title">${b.brief.title}</h1>
<p class="muted">${b.brief.series ?? ''} · ${b.brief.publishedAt} · ${b.brief.topics.join(', ')} · slug <code>${b.slug}</code> · version <span id="brief-version">${b.version}</span>
 · <strong id="brief-state">${b.archivedAt ? 'archived' : sent ? 'sent' : scheduled ? 'scheduled' : 'draft'}</strong>${
   b.correctionOf ? html` · correction of <a href="/admin/briefs/${b.correctionOf}">${b.correctionOf}</a>` : ''}</p>
${saved ? html`<p class="notice" id="saved">Saved: version ${saved}.</p>` : ''}
${q.archived === '1' ? html`<p class="notice" id="archived">Archived: the brief is out of the list; its web version stays.</p>` : ''}
${said ? html`<p class="error" id="brief-refused">${said}</p>` : ''}
${latest ? html`<p>Latest dispatch: <a href="/admin/dispatches/${latest.id}" class="status">${latest.status}</a> (${latest.sent}/${latest.total} sent)${
  latest.scheduledAt && scheduled ? html`, scheduled for <time data-local datetime="${latest.scheduledAt}">${latest.scheduledAt}</time>` : ''}</p>` : ''}
<p class="actions" id="brief-actions">
  ${sent ? '' : html`<a href="/admin/briefs/${b.id}/edit" id="edit-brief">Edit</a>`}
  ${sent || scheduled ? '' : html`<form method="post" action="/admin/briefs/${b.id}/delete" class="inline">${csrfInput(ctx)}<button type="submit" class="secondary" id="delete-brief" data-confirm="Delete this draft for good? It has never been sent." data-confirm-yes="Yes, delete it">Delete…</button></form>`}
  ${sent && !b.archivedAt ? html`<form method="post" action="/admin/briefs/${b.id}/archive" class="inline">${csrfInput(ctx)}<button type="submit" class="secondary" id="archive-brief" data-confirm="Archive this sent brief? It leaves the list; its web version stays online." data-confirm-yes="Yes, archive it">Archive…</button></form>` : ''}
  ${sent ? html`<form method="post" action="/admin/briefs/${b.id}/correction" class="inline">${csrfInput(ctx)}<button type="submit" id="correct-brief">Send a correction</button></form> <span class="muted">This brief has been sent: it can no longer change.</span>` : ''}
</p>
<h2>Preview</h2>
<div class="previews">
  <figure><figcaption>Desktop (600 px)</figcaption><iframe id="preview-desktop" title="Desktop preview" width="600" sandbox src="/admin/briefs/${b.id}/preview"></iframe></figure>
  <figure><figcaption>Mobile (375 px)</figcaption><iframe id="preview-mobile" title="Mobile preview" width="375" sandbox src="/admin/briefs/${b.id}/preview"></iframe></figure>
</div>
<h3>Text part</h3>
<pre class="text-part" id="text-part">${text.statusCode === 200 ? text.body : 'The text part could not be built.'}</pre>
<h2>Send a test</h2>
${q.test === 'queued' ? html`<p class="notice" id="test-queued">Test copies are on their way.</p>` : ''}
<form method="post" action="/admin/briefs/${b.id}/test">
  ${csrfInput(ctx)}
  <label for="to">Send test copies to (up to 10 addresses, comma or newline separated)</label>
  <input id="to" name="to" type="text" size="60" value="${testTo}" required>
  ${fieldErrors(testErrors, (f) => f === 'to' || f.startsWith('to.') || f === 'body')}
  <div><button type="submit" id="send-test">Send test</button></div>
</form>
<h2>Dispatch</h2>
<form method="get" action="/admin/briefs/${b.id}/dispatch">
  <fieldset><legend>Topics of the audience (subscribers who picked none get every brief)</legend>
  ${s.config.topics.map((t) => html`<label><input type="checkbox" name="topics" value="${t}"${b.brief.topics.includes(t) ? ' checked' : ''}> ${t}</label>`)}
  </fieldset>
  <div><button type="submit" id="check-audience" formnovalidate>Check the audience…</button> <span class="muted">to send now</span></div>
  <fieldset><legend>…or at a date and time</legend>
  <label for="at-local">Send at (your time zone: <span data-zone-name>local time</span>)</label>
  <input type="datetime-local" id="at-local" name="at-local"> <input type="hidden" name="at" id="at"> <span class="muted" id="at-echo"></span>
  <div><button type="submit" id="schedule-dispatch" formaction="/admin/briefs/${b.id}/schedule">Schedule…</button></div>
  </fieldset>
</form>
<h2>History</h2>
<table id="history"><thead><tr><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>
${history.map((e) => html`<tr class="history-entry" data-action="${e.action}"><td><time data-local datetime="${e.at}">${e.at}</time></td><td class="who">${e.by}</td><td>${historyLine(e)}</td></tr>`)}
</tbody></table>`,
    });
  };

  app.get<{ Params: { id: string } }>('/admin/briefs/:id', async (req, reply) => briefPage(req, reply, await load(req.params.id)));

  // The email exactly as the API previews it, framed by the brief page (hence frame-ancestors 'self').
  app.get<{ Params: { id: string }; Querystring: { format?: string } }>('/admin/briefs/:id/preview', async (req, reply) => {
    const b = await load(req.params.id);
    const format = req.query.format === 'text' ? 'text' : 'html';
    const res = await api({ method: 'GET', url: `/api/briefs/${b.id}/preview?format=${format}` });
    const csp = res.headers['content-security-policy'];
    if (typeof csp === 'string') reply.header('Content-Security-Policy', csp);
    return reply
      .code(res.statusCode)
      .type(String(res.headers['content-type'] ?? 'text/plain'))
      .header('Cache-Control', 'no-store')
      .send(res.body);
  });

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/test', async (req, reply) => {
    const b = await load(req.params.id);
    const raw = one(formFields(req).to);
    const to = raw
      .split(/[,\n\r]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    if (!to.length) return briefPage(req, reply, b, [{ field: 'to', message: 'type at least one address' }], raw);
    const res = await api({ method: 'POST', url: `/api/briefs/${b.id}/test`, payload: { to }, contentType: 'application/json' });
    if (res.statusCode !== 202) return briefPage(req, reply, b, apiErrors(res.body, 'to'), raw);
    return reply.redirect(`/admin/briefs/${b.id}?test=queued`, 303);
  });

  /** A refused change, said on the brief's own page. */
  const refused = async (req: FastifyRequest, reply: FastifyReply, b: StoredBrief, r: Parameters<typeof refusalError>[0]) => {
    const e = refusalError(r);
    if (e.statusCode === 404) throw e;
    return briefPage(req, reply, (await s.briefs.get(b.id)) ?? b, [], '', e.statusCode, `${e.message} (${e.code})`);
  };

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/delete', async (req, reply) => {
    const b = await load(req.params.id);
    const r = await s.briefs.remove(b.id);
    if (!r.ok) return refused(req, reply, b, r);
    req.log.info({ briefId: b.id, by: identity.of(req) }, 'brief deleted');
    return reply.redirect(`/admin?deleted=${b.id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/archive', async (req, reply) => {
    const b = await load(req.params.id);
    const r = await s.briefs.archive(b.id, identity.of(req));
    if (!r.ok) return refused(req, reply, b, r);
    return reply.redirect(`/admin/briefs/${b.id}?archived=1`, 303);
  });

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/correction', async (req, reply) => {
    const b = await load(req.params.id);
    const latestId = (await s.dispatches.latestForBriefs([b.id]))[0];
    const latest = latestId ? await s.dispatches.get(latestId) : null;
    if (!b.publishedAt && !(latest && dispatchHasStarted(latest))) {
      return briefPage(req, reply, b, [], '', 409, 'This brief has not been sent: edit it instead of correcting it. (BRIEF_NOT_SENT)');
    }
    const c = await s.briefs.create(correctionDraft(b.brief), 'admin', { by: identity.of(req), correctionOf: b.id });
    return reply.redirect(`/admin/briefs/${c.id}/edit`, 303);
  });
}
