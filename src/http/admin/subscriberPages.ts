import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { SUBSCRIBER_STATUSES, type ConsentEvent, type SubscriberStatus } from '../../subscribers/model.ts';
import { restoreReader } from '../../feedback/restore.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createEditorIdentity } from '../editorIdentity.ts';
import { notFound } from '../errors.ts';
import { html } from '../html.ts';
import { restoreRefusal } from '../routes/subscribersAdmin.ts';
import { apiErrors, createApiCaller, formFields, one } from './form.ts';
import { csrfInput, fieldErrors, pageContext, postButton, sendPage } from './layout.ts';

interface ImportResult {
  imported: number;
  updated: number;
  skipped: number;
  errors: { line: number; message: string }[];
}

const SUBSCRIBER_ID = /^[1-9][0-9]{0,14}$/;

/** One consent log entry's particulars, after its type and time. */
function eventDetails(e: ConsentEvent): string {
  const { type: _type, at: _at, ...rest } = e;
  return Object.entries(rest)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');
}

/** Subscribers: search and filter, CSV export, CSV import (through the editor API, so the rules are the API's), one reader's page. */
export function registerSubscriberPages(app: FastifyInstance, s: ApiServices) {
  const api = createApiCaller(app, s.config);
  // Who restores a reader: the label of the token that opened this session.
  const identity = createEditorIdentity(s.config, createEditorAuth(s).tokenDigest);
  const statusOf = (v: string | undefined): SubscriberStatus | undefined =>
    SUBSCRIBER_STATUSES.includes(v as SubscriberStatus) ? (v as SubscriberStatus) : undefined;

  const listPage = async (req: FastifyRequest, reply: FastifyReply, opts: { result?: ImportResult; importErrors?: { field: string; message: string }[] } = {}) => {
    const q = req.query as { q?: string; status?: string; after?: string };
    const status = statusOf(q.status);
    const query = (q.q ?? '').slice(0, 254);
    const after = q.after && /^\d{1,15}$/.test(q.after) ? q.after : undefined;
    const page = await s.subscribers.list({ status, query: query || undefined, after, limit: 50 });
    const counts = await s.subscribers.count();
    const ctx = pageContext(req, s.config.mail.listName);
    const r = opts.result;
    const nextQs = new URLSearchParams({ ...(query ? { q: query } : {}), ...(status ? { status } : {}), ...(page.next ? { after: page.next } : {}) });
    return sendPage(reply, ctx, {
      title: 'Subscribers',
      status: opts.importErrors?.length ? 400 : 200,
      body: html`<h1>Subscribers</h1>
<p class="muted">${counts.all} in all, ${counts.active} active.</p>
<form method="get" action="/admin/subscribers">
  <label for="q">Search by address</label>
  <input id="q" name="q" type="search" value="${query}" size="40">
  <select name="status" aria-label="Status"><option value="">any status</option>${SUBSCRIBER_STATUSES.map(
    (st) => html`<option value="${st}"${st === status ? ' selected' : ''}>${st}</option>`,
  )}</select>
  <button type="submit">Filter</button>
  <a href="/admin/subscribers.csv${status ? `?status=${status}` : ''}" id="export-csv">Export CSV${status ? ` (${status})` : ''}</a>
</form>
<table id="subscribers"><thead><tr><th>Email</th><th>Name</th><th>Status</th><th>Topics</th><th>Since</th></tr></thead><tbody>
${page.items.map((x) => html`<tr><td><a href="/admin/subscribers/${x.id}">${x.email}</a></td><td>${x.name}</td><td>${x.status}</td><td>${x.topics.join(', ') || 'all'}</td><td>${x.createdAt.slice(0, 10)}</td></tr>`)}
</tbody></table>
${page.next ? html`<p><a href="/admin/subscribers?${nextQs.toString()}">Next page</a></p>` : ''}
<h2>Import</h2>
${r ? html`<p class="notice" id="import-result">Imported ${r.imported}, updated ${r.updated}, skipped ${r.skipped}${r.errors.length ? `, ${r.errors.length} row(s) refused` : ''}.</p>
${r.errors.length ? html`<ul class="field-errors">${r.errors.map((e) => html`<li>line ${e.line}: ${e.message}</li>`)}</ul>` : ''}` : ''}
<p class="muted">CSV with a header row. Columns: <code>email</code> (required), <code>name</code>, <code>topics</code> (topic names separated by <code>|</code>),
and <code>consent</code>: where and when this person gave consent (for example <code>conference sign-up sheet 2024-05-01</code>); it is kept in the consent log.
New addresses get a confirmation email unless you tick “already confirmed”. Bad rows are reported and not written.</p>
<form method="post" action="/admin/subscribers/import" enctype="multipart/form-data">
  ${csrfInput(ctx)}
  <label for="csv">Paste CSV</label>
  <textarea id="csv" name="csv" rows="6" placeholder="email,name,topics,consent"></textarea>
  <label for="csv-file">…or upload a CSV file</label>
  <input id="csv-file" name="file" type="file" accept=".csv,text/csv">
  ${fieldErrors(opts.importErrors ?? [], () => true)}
  <label><input type="checkbox" name="active" value="1"> Already confirmed (consent obtained elsewhere): import as active, send no confirmation</label>
  <div><button type="submit" id="import-csv">Import</button></div>
</form>`,
    });
  };

  app.get('/admin/subscribers', async (req, reply) => listPage(req, reply));

  app.get<{ Params: { id: string }; Querystring: { restored?: string; refused?: string } }>('/admin/subscribers/:id', async (req, reply) => {
    const x = SUBSCRIBER_ID.test(req.params.id) ? await s.subscribers.get(req.params.id) : null;
    if (!x) throw notFound('subscriber');
    const log = await s.subscribers.consentLog(x.id);
    const ctx = pageContext(req, s.config.mail.listName);
    const refused = req.query.refused === 'NEVER_CONFIRMED'
      ? 'This reader never confirmed their subscription: they must sign up again.'
      : req.query.refused === 'NOT_BOUNCED'
        ? 'Only a bounced or complained reader can be restored.'
        : undefined;
    const left = x.status === 'bounced' || x.status === 'complained';
    return sendPage(reply, ctx, {
      title: `Subscriber ${x.id}`,
      body: html`<h1>${x.email}</h1>
${req.query.restored === '1' ? html`<p class="notice" id="restored">Restored: the reader is active again.</p>` : ''}
${refused ? html`<p class="error" id="refused">${refused}</p>` : ''}
<dl class="counts"><dt>status</dt><dd id="status">${x.status}</dd><dt>name</dt><dd>${x.name || '–'}</dd>
<dt>topics</dt><dd>${x.topics.join(', ') || 'all'}</dd><dt>since</dt><dd>${x.createdAt}</dd><dt>confirmed</dt><dd>${x.confirmedAt ?? '–'}</dd></dl>
${left ? html`<section id="restore">
  <h2>Restore</h2>
  <p class="muted">This reader ${x.status === 'bounced' ? 'bounced' : 'reported a brief as spam'}; the consent log below says where the report came from.
  Restore them only when that report was wrong (a relay refusing everyone, a forged bounce): they get every brief again from the next dispatch.</p>
  ${postButton(ctx, `/admin/subscribers/${x.id}/restore`, 'Restore to active', { id: 'action-restore' })}
</section>` : ''}
<h2>Consent log</h2>
<table id="consent-log"><thead><tr><th>When (UTC)</th><th>What</th><th>Details</th></tr></thead><tbody>
${log.map((e) => html`<tr><td>${e.at}</td><td>${e.type}</td><td>${eventDetails(e)}</td></tr>`)}
</tbody></table>
<p><a href="/admin/subscribers">All subscribers</a></p>`,
    });
  });

  app.post<{ Params: { id: string } }>('/admin/subscribers/:id/restore', async (req, reply) => {
    const r = await restoreReader(s.subscribers, req.params.id, identity.of(req));
    if (!r.ok && r.code === 'NOT_FOUND') throw notFound('subscriber');
    const base = `/admin/subscribers/${req.params.id}`;
    return reply.redirect(r.ok ? `${base}?restored=1` : `${base}?refused=${restoreRefusal(r).code}`, 303);
  });

  app.get<{ Querystring: { status?: string } }>('/admin/subscribers.csv', async (req, reply) => {
    const status = statusOf(req.query.status);
    const res = await api({ method: 'GET', url: `/api/subscribers.csv${status ? `?status=${status}` : ''}` });
    return reply
      .code(res.statusCode)
      .type(String(res.headers['content-type'] ?? 'text/csv'))
      .header('Content-Disposition', 'attachment; filename="subscribers.csv"')
      .header('Cache-Control', 'no-store')
      .send(res.body);
  });

  app.post('/admin/subscribers/import', async (req, reply) => {
    const f = formFields(req);
    const csv = one(f.file).trim() ? one(f.file) : one(f.csv);
    if (!csv.trim()) return listPage(req, reply, { importErrors: [{ field: 'csv', message: 'paste CSV or choose a file' }] });
    const res = await api({
      method: 'POST',
      url: `/api/subscribers/import${one(f.active) === '1' ? '?status=active' : ''}`,
      payload: csv,
      contentType: 'text/csv',
    });
    if (res.statusCode !== 200) return listPage(req, reply, { importErrors: apiErrors(res.body, 'csv') });
    return listPage(req, reply, { result: res.json() as ImportResult });
  });
}
