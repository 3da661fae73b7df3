import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { ApiServices } from './http/services.ts';
import { registerErrorHandling } from './http/errors.ts';
import { registerSecurityHeaders } from './http/securityHeaders.ts';
import { registerBodyTypes } from './http/bodyTypes.ts';
import { registerOpenApi } from './http/openapi/plugin.ts';
import subscribeRoutes from './http/routes/subscribe.ts';
import subscriptionRoutes from './http/routes/subscription.ts';
import healthRoutes from './http/routes/health.ts';
import briefRoutes from './http/routes/briefs.ts';
import dispatchRoutes from './http/routes/dispatches.ts';
import digestRoutes from './http/routes/digests.ts';
import webBriefRoutes from './http/routes/webBriefs.ts';
import subscriberAdminRoutes from './http/routes/subscribersAdmin.ts';
import openApiRoutes from './http/routes/openapi.ts';
import adminUi from './http/admin/index.ts';
import webhookRoutes from './feedback/webhooks/routes.ts';

/** Builds the HTTP app. Never listens: src/server.ts does, and tests use inject(). */
export async function buildApp(services: ApiServices): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    // Trust exactly the configured number of proxy hops; a spoofed X-Forwarded-For beyond them is ignored.
    trustProxy: config.http.trustProxyHops > 0 ? (_addr: string, hop: number) => hop < config.http.trustProxyHops : false,
    bodyLimit: config.http.bodyLimit,
    // Reject __proto__ and constructor.prototype in JSON instead of stripping them silently.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    routerOptions: { maxParamLength: 200 },
  });
  registerErrorHandling(app, config.mail.listName);
  await registerSecurityHeaders(app);
  registerBodyTypes(app);
  await app.register(formbody, { bodyLimit: config.http.bodyLimit });
  // Bodies read as text and parsed by their route: Markdown briefs, CSV imports,
  // and RFC 8058 one-click posts (which may come as multipart).
  app.addContentTypeParser(['text/markdown', 'text/csv', 'text/plain', 'multipart/form-data'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  // Before every route: @fastify/swagger documents the routes registered after it.
  await registerOpenApi(app, config);
  const opts = { services };
  await app.register(healthRoutes, opts);
  await app.register(subscribeRoutes, opts);
  await app.register(subscriptionRoutes, opts);
  await app.register(webBriefRoutes, opts);
  await app.register(briefRoutes, opts);
  await app.register(dispatchRoutes, opts);
  await app.register(digestRoutes, opts);
  await app.register(subscriberAdminRoutes, opts);
  await app.register(openApiRoutes, opts);
  await app.register(adminUi, opts);
  // Relay webhooks, each verified by its own signature (no editor token); their own body parsers, in their own context.
  const { webhooks } = config.feedback;
  await app.register(webhookRoutes, {
    ...(webhooks.ses ? { ses: { topicArns: webhooks.ses.topicArns } } : {}),
    ...(webhooks.mailgun ? { mailgun: { signingKey: webhooks.mailgun.signingKey } } : {}),
    ...(webhooks.sendgrid ? { sendgrid: { publicKey: webhooks.sendgrid.publicKey } } : {}),
    ...(webhooks.postmark ? { postmark: { auth: webhooks.postmark.auth } } : {}),
    ...(services.snsFetch?.certificate ? { fetchCertificate: services.snsFetch.certificate } : {}),
    ...(services.snsFetch?.url ? { fetchUrl: services.snsFetch.url } : {}),
    replayGuard: services.feedback.replayGuard,
    intake: (events) => services.feedback.intake.handleWebhookEvents(events),
    bodyLimit: config.http.bodyLimit,
  });
  // The dispatch progress gauge reads the recent dispatches when /metrics is scraped.
  services.metrics.watchDispatches(() => services.dispatches.list(20));
  return app;
}
