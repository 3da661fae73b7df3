import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiServices } from '../services.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { html } from '../html.ts';
import { CSRF_FIELD, csrfMatches, csrfToken } from './csrf.ts';
import { formFields, one } from './form.ts';
import { pageContext, sendPage } from './layout.ts';
import { SESSION_COOKIE, SESSION_TTL_SEC, type AdminSessions } from './session.ts';
import { createSignInThrottle } from './signInThrottle.ts';

/** Before sign-in there is no session; a short-lived cookie of its own anchors the login form's CSRF token. */
const LOGIN_COOKIE = 'bw_login';

/** Only local admin paths are followed after sign-in: never an open redirect. */
const safeNext = (v: string) => (/^\/admin(?:[/?#]|$)/.test(v) && !v.includes('//') && !v.includes('\\') ? v : '/admin');

export function registerLoginPages(app: FastifyInstance, s: ApiServices, sessions: AdminSessions) {
  const auth = createEditorAuth(s);
  const secure = s.config.http.publicUrl.startsWith('https://');
  const cookieBase = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/admin' };

  const throttle = createSignInThrottle(s.redis, s.keys);

  const loginForm = (req: FastifyRequest, reply: FastifyReply, next: string, error?: string, status = error ? 401 : 200) => {
    let anchor = req.cookies[LOGIN_COOKIE];
    if (!anchor || !/^[A-Za-z0-9_-]{22}$/.test(anchor)) {
      anchor = randomBytes(16).toString('base64url');
      reply.setCookie(LOGIN_COOKIE, anchor, { ...cookieBase, path: '/admin/login', maxAge: 3600 });
    }
    const ctx = pageContext(req, s.config.mail.listName);
    return sendPage(reply, ctx, {
      title: 'Sign in',
      status,
      body: html`<h1>Sign in</h1>
<form method="post" action="/admin/login">
  <input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(s.config.secretKey, 'login', anchor)}">
  <input type="hidden" name="next" value="${next}">
  <label for="token">Editor token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" size="50" required>
  ${error ? html`<div class="error" id="login-error">${error}</div>` : ''}
  <div><button type="submit">Sign in</button></div>
</form>`,
    });
  };

  app.get<{ Querystring: { next?: string } }>('/admin/login', async (req, reply) => {
    if (req.adminSession) return reply.redirect(safeNext(req.query.next ?? '/admin'), 303);
    return loginForm(req, reply, safeNext(req.query.next ?? '/admin'));
  });

  app.post('/admin/login', async (req, reply) => {
    const f = formFields(req);
    const anchor = req.cookies[LOGIN_COOKIE];
    if (!anchor || !csrfMatches(s.config.secretKey, 'login', anchor, one(f[CSRF_FIELD]))) {
      return csrfRefused(req, reply, s.config.mail.listName);
    }
    const token = one(f.token);
    const right = !!token && token.length <= 512 && auth.isEditorToken(token);
    const verdict = await throttle.judge(req.ip, right);
    if (verdict.kind === 'throttled') {
      req.log.warn({ code: 'ADMIN_SIGN_IN_THROTTLED' }, 'admin sign-in refused: too many wrong tokens from this client');
      reply.header('Retry-After', String(verdict.retryAfterSec));
      const minutes = Math.ceil(verdict.retryAfterSec / 60);
      return loginForm(req, reply, safeNext(one(f.next)), `Too many wrong tokens from here (code SIGN_IN_THROTTLED). Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, 429);
    }
    if (verdict.kind === 'refused' || !token) {
      req.log.info({ code: 'ADMIN_SIGN_IN_REFUSED' }, 'admin sign-in refused');
      return loginForm(req, reply, safeNext(one(f.next)), 'That token is not an editor token.');
    }
    // The session remembers which token opened it, so removing that token from EDITOR_TOKENS ends it.
    const session = await sessions.create(auth.tokenDigest(token));
    reply.setCookie(SESSION_COOKIE, session.id, { ...cookieBase, maxAge: SESSION_TTL_SEC });
    reply.clearCookie(LOGIN_COOKIE, { path: '/admin/login' });
    return reply.redirect(safeNext(one(f.next)), 303);
  });

  // Behind the session and CSRF checks (see index.ts), like every other admin POST.
  app.post('/admin/logout', async (req, reply) => {
    if (req.adminSession) await sessions.destroy(req.adminSession.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    return reply.redirect('/admin/login?signed-out=1', 303);
  });
}

/** The page a form post without a valid CSRF token gets. */
export function csrfRefused(req: FastifyRequest, reply: FastifyReply, listName: string) {
  req.log.warn({ code: 'ADMIN_CSRF_REFUSED', url: req.url }, 'admin form post without a valid CSRF token');
  return sendPage(reply, pageContext(req, listName), {
    title: 'Form expired',
    status: 403,
    body: html`<h1>This form could not be accepted</h1>
<p id="csrf-refused">The form was missing its security token, or the token belongs to another session (code <code>CSRF_INVALID</code>).
Nothing was changed. Go back, reload the page and try again.</p>
<p><a href="/admin">Back to the editor</a></p>`,
  });
}
