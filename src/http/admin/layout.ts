import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, Html } from '../html.ts';
import { CSRF_FIELD } from './csrf.ts';

/**
 * The admin pages' frame. Each response gets its own CSP with a fresh nonce, so
 * the one small inline script (the progress poller) runs and nothing injected does.
 */
export function adminCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // 'self': the ops charts' stylesheet (uPlot's) is served from /admin/assets.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export interface PageContext {
  nonce: string;
  /** Present once signed in: every form on the page carries it. */
  csrf?: string;
  listName: string;
}

export function pageContext(req: FastifyRequest, listName: string): PageContext {
  return { nonce: randomBytes(16).toString('base64'), csrf: req.adminSession?.csrf, listName };
}

export const csrfInput = (ctx: PageContext) => html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf ?? ''}">`;

/** A one-button POST form (sign out, pause, resume…), CSRF token included. */
export const postButton = (ctx: PageContext, action: string, label: string, attrs: { id?: string; cls?: string } = {}) =>
  html`<form method="post" action="${action}" class="inline">${csrfInput(ctx)}<button type="submit"${attrs.id ? html` id="${attrs.id}"` : ''}${
    attrs.cls ? html` class="${attrs.cls}"` : ''
  }>${label}</button></form>`;

export function sendPage(reply: FastifyReply, ctx: PageContext, opts: { title: string; body: Html; status?: number; script?: string }) {
  const nav = ctx.csrf
    ? html`<nav><a href="/admin">Briefs</a> <a href="/admin/briefs/new">New brief</a> <a href="/admin/dispatches">Dispatches</a> <a href="/admin/subscribers">Subscribers</a> <a href="/admin/queues">Queues</a> <a href="/admin/ops">Ops</a> <a href="/admin/api-docs">API</a> ${postButton(ctx, '/admin/logout', 'Sign out', { id: 'sign-out', cls: 'secondary' })}</nav>`
    : '';
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${opts.title} · ${ctx.listName} admin</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; color: #1a1a1a; background: #f4f5f7; margin: 0; }
  nav { background: #0b3d91; padding: .5rem 1.5rem; display: flex; gap: 1.2rem; align-items: center; }
  nav a { color: #fff; text-decoration: none; font-weight: 600; }
  nav form { margin-left: auto; }
  nav button { margin: 0; }
  main { max-width: 72rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  label { display: block; margin: .6rem 0 .2rem; font-weight: 600; }
  fieldset label { display: inline-flex; gap: .3rem; font-weight: normal; margin-right: 1rem; }
  input[type=text], input[type=search], input[type=password], textarea, select { font: inherit; padding: .4rem; box-sizing: border-box; }
  textarea { width: 100%; font-family: ui-monospace, monospace; font-size: 13px; }
  button { font: inherit; padding: .45rem 1rem; margin-top: .6rem; background: #0b3d91; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  button.secondary { background: transparent; color: #0b3d91; border: 1px solid #0b3d91; }
  nav button.secondary { color: #fff; border-color: #fff; }
  button:disabled { opacity: .4; cursor: default; }
  form.inline { display: inline; }
  .error { color: #b00020; }
  .field-errors { color: #b00020; margin: .3rem 0; padding-left: 1.2rem; }
  .muted { color: #666; font-size: .9em; }
  .notice { background: #e8f0fe; padding: .6rem 1rem; border-radius: 4px; }
  .previews { display: flex; gap: 1.5rem; align-items: flex-start; flex-wrap: wrap; }
  .previews iframe { border: 1px solid #ccc; height: 900px; background: #fff; }
  pre.text-part { white-space: pre-wrap; background: #f7f7f7; padding: 1rem; max-height: 30rem; overflow: auto; }
  progress { width: 100%; height: 1.6rem; }
  .status { font-weight: 700; text-transform: uppercase; }
  dl.counts { display: grid; grid-template-columns: repeat(4, auto); gap: .2rem 1.5rem; }
</style>
</head>
<body>${nav}<main>${opts.body}</main>${
    opts.script ? html`<script nonce="${ctx.nonce}">${new Html(opts.script)}</script>` : ''
  }</body>
</html>`;
  return reply
    .code(opts.status ?? 200)
    .header('Content-Security-Policy', adminCsp(ctx.nonce))
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(doc.value);
}

/** Errors for one form field: `brief` matches `brief`, and a field prefix like `to.` matches `to.0`. */
export const fieldErrors = (errors: { field: string; message: string }[], match: (field: string) => boolean) => {
  const mine = errors.filter((e) => match(e.field));
  return mine.length ? html`<ul class="field-errors">${mine.map((e) => html`<li>${e.field ? `${e.field}: ` : ''}${e.message}</li>`)}</ul>` : '';
};
