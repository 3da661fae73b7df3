import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';

/**
 * Which bodies a route takes beyond JSON and urlencoded forms. The app reads
 * text/markdown, text/csv, text/plain and multipart bodies as text for the few
 * routes that want them; every other route answers those with 415 rather than
 * a 400 "must be an object" (`POST /subscribe` as text/plain, say).
 * Route patterns by prefix, so a new route under one of them is covered.
 */
const TEXT_BODIES: { prefix: string; types: readonly string[] }[] = [
  // Markdown briefs (POST, PUT, preview while writing).
  { prefix: '/api/briefs', types: ['text/markdown', 'text/plain'] },
  { prefix: '/api/subscribers/import', types: ['text/csv'] },
  // RFC 8058 one-click posts may come as multipart; some clients send text/plain.
  { prefix: '/unsubscribe/', types: ['multipart/form-data', 'text/plain'] },
  // The admin UI's forms (a brief's Markdown file is uploaded as multipart), and its live preview.
  { prefix: '/admin', types: ['multipart/form-data', 'text/markdown', 'text/plain'] },
  // The relay webhooks read their own bodies (SNS posts JSON as text/plain).
  { prefix: '/webhooks/', types: ['text/plain'] },
];
const READ_AS_TEXT = new Set(['text/markdown', 'text/csv', 'text/plain', 'multipart/form-data']);

export function registerBodyTypes(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (!READ_AS_TEXT.has(type)) return;
    const route = req.routeOptions.url ?? '';
    if (TEXT_BODIES.some((r) => route.startsWith(r.prefix) && r.types.includes(type))) return;
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `This route does not take ${type}: send application/json${route.startsWith('/api') ? '' : ' or an HTML form'}.`);
  });
}
