import type { FastifyPluginAsync } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { ApiServices } from '../services.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { CSRF_FIELD, csrfMatches, csrfToken } from './csrf.ts';
import { formFields, one } from './form.ts';
import { createAdminSessions, SESSION_COOKIE } from './session.ts';
import { csrfRefused, registerLoginPages } from './loginPages.ts';
import { registerBriefPages } from './briefPages.ts';
import { registerEditorPages } from './editorPage.ts';
import { registerSchedulePages } from './schedulePages.ts';
import { registerDispatchListPage } from './dispatchListPage.ts';
import { registerDispatchPages } from './dispatchPages.ts';
import { registerSubscriberPages } from './subscriberPages.ts';
import { registerApiDocsPage } from './apiDocsPage.ts';
import { registerOpsPage } from './opsPage.ts';
import { QUEUES_PATH, registerQueueBoard } from './queueBoard.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the admin session check: the signed-in session and its CSRF token. */
    adminSession?: { id: string; csrf: string; tokenDigest?: string };
  }
}

const OPEN_ROUTES = new Set(['/admin/login']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The editor web UI at /admin. Every route but sign-in needs a session cookie
 * (else: redirect to /admin/login); every form post needs the session's CSRF token.
 */
const adminPlugin: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  const { secretKey } = s.config;
  await app.register(cookie);
  // The root parses multipart as a raw string (for RFC 8058 posts); admin forms upload files, so parse them properly here.
  app.removeContentTypeParser('multipart/form-data');
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: s.config.http.bodyLimit, files: 2, fields: 50 } });
  app.decorateRequest('adminSession', undefined);
  const sessions = createAdminSessions(s.redis, s.keys);
  const auth = createEditorAuth(s);

  app.addHook('onRequest', async (req, reply) => {
    let session = await sessions.get(req.cookies[SESSION_COOKIE]);
    // Removing a token from EDITOR_TOKENS (and restarting) ends the sessions it opened, like the API access it gave.
    if (session && !auth.isCurrentToken(session.tokenDigest)) {
      req.log.info({ code: 'ADMIN_SESSION_TOKEN_REVOKED' }, 'admin session ended: its editor token is no longer configured');
      await sessions.destroy(session.id);
      session = null;
    }
    if (session) {
      req.adminSession = { id: session.id, csrf: csrfToken(secretKey, 'session', session.id), tokenDigest: session.tokenDigest };
      return;
    }
    if (OPEN_ROUTES.has(req.routeOptions.url ?? '')) return;
    const next = req.method === 'GET' && !req.url.startsWith(`${QUEUES_PATH}/api`) ? `?next=${encodeURIComponent(req.url)}` : '';
    return reply.redirect(`/admin/login${next}`, 303);
  });

  app.addHook('preHandler', async (req, reply) => {
    if (!UNSAFE.has(req.method) || OPEN_ROUTES.has(req.routeOptions.url ?? '')) return;
    // Bull Board's own API takes JSON from its script; SameSite=Strict keeps other sites' requests cookieless.
    if (req.url.startsWith(`${QUEUES_PATH}/`)) return;
    if (!req.adminSession || !csrfMatches(secretKey, 'session', req.adminSession.id, one(formFields(req)[CSRF_FIELD]))) {
      return csrfRefused(req, reply, s.config.mail.listName);
    }
  });

  registerLoginPages(app, s, sessions);
  registerBriefPages(app, s);
  registerEditorPages(app, s);
  registerSchedulePages(app, s);
  registerDispatchListPage(app, s);
  registerDispatchPages(app, s);
  registerSubscriberPages(app, s);
  await registerApiDocsPage(app, s);
  registerOpsPage(app, s);
  await registerQueueBoard(app, s);
};

export default adminPlugin;
