import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { parseMarkdownBrief } from '../../briefs/markdown.ts';
import { validateBrief } from '../../briefs/model.ts';
import { compileStored } from '../../briefs/forSending.ts';
import type { StoredBrief } from '../../briefs/store.ts';
import type { FieldError } from '../errors.ts';
import { notFound } from '../errors.ts';
import { html } from '../html.ts';
import { createWorkerRegistry } from '../../ops/workerRegistry.ts';
import { apiErrors, createApiCaller, formFields, one } from './form.ts';
import { csrfInput, fieldErrors, pageContext, sendPage, type PageContext } from './layout.ts';

const BRIEF_ID = /^b[0-9]{1,15}$/;

/** Briefs: the list (with dispatch status), a new brief from Markdown, one brief's previews and test send. */
export function registerBriefPages(app: FastifyInstance, s: ApiServices) {
  const api = createApiCaller(app, s.config);
  const registry = createWorkerRegistry(s.redis, s.keys);
  const ctxOf = (req: FastifyRequest) => pageContext(req, s.config.mail.listName);
  const load = async (id: string) => {
    const b = BRIEF_ID.test(id) ? await s.briefs.get(id) : null;
    if (!b) throw notFound('brief');
    return b;
  };

  app.get<{ Querystring: { before?: string } }>('/admin', async (req, reply) => {
    const before = req.query.before && BRIEF_ID.test(req.query.before) ? req.query.before : undefined;
    const items = await s.briefs.list({ limit: 50, before });
    const latest = await s.dispatches.latestForBriefs(items.map((b) => b.id));
    const dispatches = await Promise.all(latest.map((id) => (id ? s.dispatches.get(id) : null)));
    const workers = await registry.live();
    return sendPage(reply, ctxOf(req), {
      title: 'Briefs',
      body: html`<h1>Briefs</h1>
${workers.length ? '' : html`<p class="error" id="no-workers-warning">No worker is running: dispatches and confirmations wait until one starts (<a href="/admin/ops">Ops</a>).</p>`}
<p><a href="/admin/briefs/new">New brief from Markdown</a></p>
${items.length === 0 ? html`<p class="muted">No briefs yet.</p>` : ''}
<table id="briefs"><thead><tr><th>Title</th><th>Published</th><th>Topics</th><th>Dispatch</th></tr></thead><tbody>
${items.map((b, i) => {
  const d = dispatches[i];
  return html`<tr><td><a href="/admin/briefs/${b.id}">${b.brief.title}</a></td><td>${b.brief.publishedAt}</td><td>${b.brief.topics.join(', ')}</td>
<td>${d ? html`<a href="/admin/dispatches/${d.id}" class="status">${d.status}</a> <span class="muted">${d.sent}/${d.total} sent</span>` : html`<span class="muted">not sent</span>`}</td></tr>`;
})}
</tbody></table>
${items.length === 50 ? html`<p><a href="/admin?before=${items[items.length - 1]!.id}">Older briefs</a></p>` : ''}`,
    });
  });

  const newBriefForm = (reply: FastifyReply, ctx: PageContext, markdown = '', errors: FieldError[] = []) =>
    sendPage(reply, ctx, {
      title: 'New brief',
      status: errors.length ? 400 : 200,
      body: html`<h1>New brief</h1>
<p class="muted">Paste Markdown with YAML front matter (title, series, publishedAt, byline, url, topics, experts, image), or upload a .md file.
Paragraphs before the first <code>## Heading</code> are the intro; each <code>## Heading</code> starts a section of <code>- </code> bullets.</p>
${errors.length ? html`<p class="error" id="brief-errors-summary">The brief was not saved: ${errors.length} problem${errors.length === 1 ? '' : 's'}, listed beside the field.</p>` : ''}
<form method="post" action="/admin/briefs" enctype="multipart/form-data">
  ${csrfInput(ctx)}
  <label for="markdown">Markdown</label>
  <textarea id="markdown" name="markdown" rows="24" aria-describedby="markdown-errors">${markdown}</textarea>
  <div id="markdown-errors">${fieldErrors(errors, () => true)}</div>
  <label for="file">…or upload a Markdown file</label>
  <input id="file" name="file" type="file" accept=".md,.markdown,text/markdown,text/plain">
  <div><button type="submit" id="create-brief">Save brief</button></div>
</form>`,
    });

  app.get('/admin/briefs/new', async (req, reply) => newBriefForm(reply, ctxOf(req)));

  app.post('/admin/briefs', async (req, reply) => {
    const f = formFields(req);
    const uploaded = one(f.file);
    const markdown = uploaded.trim() ? uploaded : one(f.markdown);
    if (!markdown.trim()) return newBriefForm(reply, ctxOf(req), '', [{ field: 'markdown', message: 'paste a brief or choose a file' }]);
    const parsed = parseMarkdownBrief(markdown);
    if (!parsed.ok) return newBriefForm(reply, ctxOf(req), markdown, parsed.errors);
    const result = validateBrief(parsed.value, s.config.topics);
    if (!result.ok) return newBriefForm(reply, ctxOf(req), markdown, result.errors);
    const stored = await s.briefs.create(result.brief, 'admin');
    // Compile now so a template problem shows on the brief page rather than at send time.
    await compileStored(s.config, stored, s.templatesDir);
    return reply.redirect(`/admin/briefs/${stored.id}`, 303);
  });

  const briefPage = async (req: FastifyRequest, reply: FastifyReply, b: StoredBrief, testErrors: FieldError[] = [], testTo = '') => {
    const ctx = ctxOf(req);
    const latestId = (await s.dispatches.latestForBriefs([b.id]))[0];
    const latest = latestId ? await s.dispatches.get(latestId) : null;
    const text = await api({ method: 'GET', url: `/api/briefs/${b.id}/preview?format=text` });
    const sent = (req.query as { test?: string }).test === 'queued';
    return sendPage(reply, ctx, {
      title: b.brief.title,
      status: testErrors.length ? 400 : 200,
      body: html`<h1 id="brief-title">${b.brief.title}</h1>
<p class="muted">${b.brief.series ?? ''} · ${b.brief.publishedAt} · ${b.brief.topics.join(', ')} · slug <code>${b.slug}</code></p>
${latest ? html`<p>Latest dispatch: <a href="/admin/dispatches/${latest.id}" class="status">${latest.status}</a> (${latest.sent}/${latest.total} sent)</p>` : ''}
<h2>Preview</h2>
<div class="previews">
  <figure><figcaption>Desktop (600 px)</figcaption><iframe id="preview-desktop" title="Desktop preview" width="600" sandbox src="/admin/briefs/${b.id}/preview"></iframe></figure>
  <figure><figcaption>Mobile (375 px)</figcaption><iframe id="preview-mobile" title="Mobile preview" width="375" sandbox src="/admin/briefs/${b.id}/preview"></iframe></figure>
</div>
<h3>Text part</h3>
<pre class="text-part" id="text-part">${text.statusCode === 200 ? text.body : 'The text part could not be built.'}</pre>
<h2>Send a test</h2>
${sent ? html`<p class="notice" id="test-queued">Test copies are on their way.</p>` : ''}
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
  <div><button type="submit" id="check-audience">Check the audience…</button></div>
</form>`,
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
}
