import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import type { Brief } from '../../briefs/model.ts';
import { BriefError } from '../../briefs/errors.ts';
import { briefToMarkdown } from '../../briefs/markdownWriter.ts';
import { compileStored } from '../../briefs/forSending.ts';
import { previewDraft, previewEmail, readMarkdownBrief, type DraftPreview } from '../../briefs/preview.ts';
import { locateErrors, type LocatedError } from '../../briefs/sourceLines.ts';
import { dispatchHasStarted, type StoredBrief } from '../../briefs/store.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createEditorIdentity } from '../editorIdentity.ts';
import { notFound } from '../errors.ts';
import { html } from '../html.ts';
import { formFields, one } from './form.ts';
import { csrfInput, pageContext, sendPage } from './layout.ts';
import { EDITOR_SCRIPT } from './editorScript.ts';

const BRIEF_ID = /^b[0-9]{1,15}$/;
const EXAMPLE = 'https://www.example.org';

/** A new brief starts in the seed's shape: front matter, intro, two sections, an expert, an image with its credit. */
export function newBriefTemplate(topics: readonly string[], today: string): string {
  return `---
title: "Headline: what happened, and why it matters"
series: "Fast Thinking"
publishedAt: ${today}
byline: "Your institution"
url: "${EXAMPLE}/analysis/headline/"
topics:
  - ${JSON.stringify(topics[0] ?? 'Topic')}
experts:
  - name: "Expert Name"
    url: "${EXAMPLE}/expert/expert-name/"
image:
  url: "${EXAMPLE}/images/photo.jpg"
  alt: "What the photo shows, for readers who cannot see it"
  caption: "Who and what the photo shows, where and when it was taken."
  credit: "PHOTOGRAPHER/AGENCY"
---

The intro: a paragraph or two saying what happened and why it matters. We
turned to our experts for their take.

## First section heading

- One point per bullet, a sentence or two; **bold**, *italics* and
  [links](${EXAMPLE}/) work.
- Another point, with a quote: “…,” the expert tells us.

## Second section heading

- A bullet.
- Another bullet.
`;
}

/** Template text saved as it is would go out as a brief: the example links mark it. */
function templateLeftovers(markdown: string, brief: Brief): LocatedError[] {
  const left: { field: string; message: string }[] = [];
  if (brief.url.startsWith(EXAMPLE)) left.push({ field: 'url', message: `is still the template's example link (${EXAMPLE}/…)` });
  if (brief.image?.url.startsWith(EXAMPLE)) left.push({ field: 'image.url', message: 'is still the template\'s example image' });
  brief.experts.forEach((e, i) => {
    if (e.url?.startsWith(EXAMPLE)) left.push({ field: `experts.${i}.url`, message: 'is still the template\'s example link' });
  });
  return locateErrors(markdown, left);
}

interface EditorView {
  stored?: StoredBrief;
  markdown: string;
  errors?: LocatedError[];
  notice?: string;
  status?: number;
  preview: DraftPreview | null;
}

/** Writing a brief: /admin/briefs/new and /admin/briefs/:id/edit, Markdown beside its live preview. */
export function registerEditorPages(app: FastifyInstance, s: ApiServices) {
  const identity = createEditorIdentity(s.config, createEditorAuth(s).tokenDigest);
  const ctxOf = (req: FastifyRequest) => pageContext(req, s.config.mail.listName);
  const load = async (id: string) => {
    const b = BRIEF_ID.test(id) ? await s.briefs.get(id) : null;
    if (!b) throw notFound('brief');
    return b;
  };
  const draftPreview = async (markdown: string): Promise<DraftPreview> => {
    try {
      return await previewDraft(s.config, markdown, s.templatesDir);
    } catch (e) {
      if (e instanceof BriefError) return { ok: false, errors: [{ field: '', message: `${e.code}: ${e.message}`, line: 1 }] };
      throw e;
    }
  };
  /** The saved version's email, shown while the text has errors. */
  const savedPreview = async (b: StoredBrief): Promise<DraftPreview> => {
    const compiled = await compileStored(s.config, b, s.templatesDir, s.compiledBriefs);
    const email = previewEmail(compiled, s.config.http.publicUrl);
    return { ok: true, subject: email.subject, html: email.html, text: email.text, htmlBytes: compiled.htmlBytes, warnings: compiled.warnings };
  };

  const editor = (req: FastifyRequest, reply: FastifyReply, v: EditorView) => {
    const ctx = ctxOf(req);
    const b = v.stored;
    const errors = v.errors ?? [];
    const p = v.preview?.ok ? v.preview : null;
    return sendPage(reply, ctx, {
      title: b ? `Edit ${b.brief.title}` : 'New brief',
      status: v.status ?? (errors.length ? 400 : 200),
      script: EDITOR_SCRIPT,
      body: html`<style>
  main { max-width: none; margin: 1rem; }
  .desk { display: grid; grid-template-columns: minmax(30rem, 1fr) 600px; gap: 1.5rem; align-items: start; }
  @media (min-width: 1950px) { .desk { grid-template-columns: minmax(30rem, 1fr) calc(975px + 1rem); } }
  @media (max-width: 1100px) { .desk { grid-template-columns: 1fr; } }
  .preview-pane .previews { gap: 1rem; }
  .preview-pane figure { margin: 0 0 1rem; }
  .md-editor { display: flex; border: 1px solid #ccc; border-radius: 4px; background: #fff; }
  .md-editor pre.gutter { margin: 0; padding: .4rem .4rem .4rem .6rem; min-width: 2.5rem; text-align: right; color: #999; background: #f4f5f7;
    font: 13px/1.5 ui-monospace, monospace; overflow: hidden; height: 40rem; box-sizing: border-box; user-select: none; }
  .md-editor pre.gutter .err { color: #fff; background: #b00020; border-radius: 2px; padding: 0 .2rem; cursor: pointer; }
  .md-editor textarea { flex: 1; width: auto; border: 0; margin: 0; font: 13px/1.5 ui-monospace, monospace; height: 40rem; resize: vertical; white-space: pre; overflow: auto; outline: none; }
  .preview-pane .previews iframe { height: 44rem; }
  #markdown-errors a.jump { font-weight: 600; color: #b00020; }
</style>
<h1>${b ? html`Edit “${b.brief.title}”` : 'New brief'}</h1>
${b ? html`<p class="muted">Version <span id="brief-version">${b.version}</span> · slug <code>${b.slug}</code> · <a href="/admin/briefs/${b.id}">back to the brief</a></p>` : ''}
${v.notice ? html`<p class="error" id="editor-notice">${v.notice}</p>` : ''}
${errors.length ? html`<p class="error" id="brief-errors-summary">The brief was not saved: ${errors.length} problem${errors.length === 1 ? '' : 's'}, listed beside the field.</p>` : ''}
<form method="post" action="${b ? `/admin/briefs/${b.id}/edit` : '/admin/briefs'}" enctype="multipart/form-data" id="editor-form">
${csrfInput(ctx)}
${b ? html`<input type="hidden" name="version" value="${b.version}">` : ''}
<div class="desk" id="editor" data-preview-url="/admin/briefs/preview">
  <div class="writer">
    <label for="markdown">Markdown <span class="muted">(front matter between <code>---</code> lines; intro paragraphs; <code>## Heading</code> sections of <code>- </code> bullets; Ctrl+B, Ctrl+I, Ctrl+K, Ctrl+S)</span></label>
    <div class="md-editor"><pre class="gutter" id="gutter" aria-hidden="true"></pre><textarea id="markdown" name="markdown" rows="32" wrap="off" spellcheck="true" aria-describedby="markdown-errors">${v.markdown}</textarea></div>
    <div id="markdown-errors">${errors.length ? html`<ul class="field-errors" id="error-list">${errors.map((e) => html`<li data-line="${e.line}"><a href="#markdown" class="jump" data-line="${e.line}">line ${e.line}</a> ${e.field ? `${e.field}: ` : ''}${e.message}</li>`)}</ul>` : ''}</div>
    ${b ? '' : html`<label for="file">…or upload a Markdown file</label><input id="file" name="file" type="file" accept=".md,.markdown,text/markdown,text/plain">`}
    <div><button type="submit" id="${b ? 'save-brief' : 'create-brief'}">${b ? 'Save changes' : 'Save brief'}</button> <a href="${b ? `/admin/briefs/${b.id}` : '/admin'}">Cancel</a></div>
    <p class="muted" id="preview-status" aria-live="polite">${p ? (errors.length && b ? 'The preview shows the saved version.' : 'Preview of this text, not saved yet.') : 'Fix the errors to see the preview.'}</p>
  </div>
  <div class="preview-pane">
    <p>Subject: <strong id="preview-subject">${p?.subject ?? ''}</strong> <span class="muted" id="preview-warnings">${p?.warnings.join(' ') ?? ''}</span></p>
    <div class="previews">
      <figure><figcaption>Desktop (600 px)</figcaption><iframe id="live-desktop" title="Desktop preview" width="600" sandbox srcdoc="${p?.html ?? ''}"></iframe></figure>
      <figure><figcaption>Mobile (375 px)</figcaption><iframe id="live-mobile" title="Mobile preview" width="375" sandbox srcdoc="${p?.html ?? ''}"></iframe></figure>
    </div>
    <details><summary>Text part</summary><pre class="text-part" id="live-text">${p?.text ?? ''}</pre></details>
  </div>
</div>
</form>`,
    });
  };

  app.get('/admin/briefs/new', async (req, reply) => {
    const markdown = newBriefTemplate(s.config.topics, new Date().toISOString().slice(0, 10));
    return editor(req, reply, { markdown, preview: await draftPreview(markdown) });
  });

  app.post('/admin/briefs', async (req, reply) => {
    const f = formFields(req);
    const uploaded = one(f.file);
    const markdown = uploaded.trim() ? uploaded : one(f.markdown);
    if (!markdown.trim()) return editor(req, reply, { markdown: '', errors: [{ field: 'markdown', message: 'paste a brief or choose a file', line: 1 }], preview: null });
    const read = readMarkdownBrief(markdown, s.config.topics);
    const errors = read.ok ? templateLeftovers(markdown, read.brief) : read.errors;
    if (!read.ok || errors.length) return editor(req, reply, { markdown, errors, preview: read.ok ? await draftPreview(markdown) : null });
    const stored = await s.briefs.create(read.brief, 'admin', { by: identity.of(req) });
    // Compile now so a template problem shows on the brief page rather than at send time.
    await compileStored(s.config, stored, s.templatesDir, s.compiledBriefs);
    return reply.redirect(`/admin/briefs/${stored.id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/admin/briefs/:id/edit', async (req, reply) => {
    const b = await load(req.params.id);
    const latestId = (await s.dispatches.latestForBriefs([b.id]))[0];
    const latest = latestId ? await s.dispatches.get(latestId) : null;
    if (b.publishedAt || (latest && dispatchHasStarted(latest))) return reply.redirect(`/admin/briefs/${b.id}?refused=BRIEF_SENT`, 303);
    return editor(req, reply, { stored: b, markdown: briefToMarkdown(b.brief), preview: await savedPreview(b) });
  });

  app.post<{ Params: { id: string } }>('/admin/briefs/:id/edit', async (req, reply) => {
    const b = await load(req.params.id);
    const f = formFields(req);
    const markdown = one(f.markdown);
    const version = Number(one(f.version));
    const read = readMarkdownBrief(markdown, s.config.topics);
    const errors = read.ok ? templateLeftovers(markdown, read.brief) : read.errors;
    if (!read.ok || errors.length) return editor(req, reply, { stored: b, markdown, errors, preview: await savedPreview(b) });
    const r = await s.briefs.update(b.id, read.brief, identity.of(req), Number.isInteger(version) && version > 0 ? version : undefined);
    if (r.ok) return reply.redirect(`/admin/briefs/${b.id}?saved=${r.stored.version}`, 303);
    if (r.refused === 'missing') throw notFound('brief');
    if (r.refused === 'sent') return reply.redirect(`/admin/briefs/${b.id}?refused=BRIEF_SENT`, 303);
    const latest = (await s.briefs.get(b.id)) ?? b;
    if (r.refused === 'slug-taken') {
      return editor(req, reply, { stored: latest, markdown, errors: locateErrors(markdown, [{ field: 'slug', message: `belongs to brief ${r.owner}; choose another` }]), preview: await savedPreview(latest), status: 409 });
    }
    // Someone saved first: keep this editor's text and say so; saving again puts it on top of theirs.
    return editor(req, reply, {
      stored: latest,
      markdown,
      status: 409,
      notice: `Not saved: this brief was changed (now version ${latest.version}) since you opened it. Your text is below; open the brief in another tab to compare, then save again to replace that version.`,
      preview: await savedPreview(latest),
    });
  });

  // The live preview: the editor-only twin of POST /api/briefs/preview, behind the session and its CSRF token.
  app.post('/admin/briefs/preview', async (req, reply) => {
    reply.header('Cache-Control', 'no-store');
    return draftPreview(one(formFields(req).markdown));
  });
}
