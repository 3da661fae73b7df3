import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';

/**
 * The site's default CSP. Pages that run a script (the signup form, the
 * admin pages, the queue board) set their own Content-Security-Policy with a
 * per-response nonce: a header the route sets replaces this one, because
 * helmet writes its headers on the raw response in onRequest and Fastify's
 * reply headers win when the head is written.
 */
export const SITE_CSP_DIRECTIVES = {
  'default-src': ["'none'"],
  'style-src': ["'unsafe-inline'"],
  'img-src': ['https:', 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'base-uri': ["'none'"],
};

/**
 * Headers on every response, by @fastify/helmet. Referrer-Policy matters
 * most: our URLs carry tokens, and a page must never leak them to a site it
 * links to.
 */
export async function registerSecurityHeaders(app: FastifyInstance) {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: SITE_CSP_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    // Images and brief pages are loaded from mail clients on other origins.
    crossOriginResourcePolicy: false,
    // Deployed behind whatever TLS the operator runs; HSTS is theirs to set.
    strictTransportSecurity: false,
  });
}
