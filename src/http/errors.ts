import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { page, html } from './html.ts';

/** Every error a client can see: a stable code, a plain message, and for 400 the fields at fault. */
export interface FieldError {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
  }
}

export const badRequest = (fields: FieldError[], message = 'The request has invalid fields.') =>
  new HttpError(400, 'INVALID_INPUT', message, fields);
export const notFound = (what = 'resource') => new HttpError(404, 'NOT_FOUND', `No such ${what}.`);

export function wantsHtml(req: FastifyRequest): boolean {
  const ct = req.headers['content-type'] ?? '';
  if (ct.startsWith('application/x-www-form-urlencoded') || ct.startsWith('multipart/form-data')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('text/html') && !req.url.startsWith('/api/');
}

function isRedisDown(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: string };
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    /Stream isn't writeable|Connection is closed|ECONNREFUSED|Command timed out|enableOfflineQueue/i.test(e?.message ?? '') ||
    e?.code === 'ECONNREFUSED'
  );
}

/**
 * A route's zod schema refused the request: one entry per issue, named by its
 * path (`to.0`, `topics.1`); an issue with the whole part (a body that is no
 * object, a key the schema does not know) names the part (`body`, `querystring`).
 */
function fromValidation(err: FastifyError): HttpError {
  const part = err.validationContext ?? 'body';
  const fields = (err.validation ?? []).slice(0, 100).map((v) => ({
    field: v.instancePath.split('/').filter(Boolean).join('.') || part,
    message: v.message ?? 'is invalid',
  }));
  return badRequest(fields);
}

function fromFastify(err: FastifyError): HttpError {
  if (err instanceof HttpError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) return fromValidation(err);
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'BODY_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpError(400, 'INVALID_JSON', 'The body is not valid JSON.', [{ field: 'body', message: 'invalid JSON' }]);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'INVALID_BODY', 'The body length does not match Content-Length.');
  }
  if (err instanceof SyntaxError || /prototype|__proto__/i.test(err.message ?? '')) {
    return new HttpError(400, 'INVALID_JSON', 'The body is not valid JSON.', [{ field: 'body', message: err.message }]);
  }
  if (isRedisDown(err)) return new HttpError(503, 'STORE_UNAVAILABLE', 'The service is temporarily unavailable. Try again shortly.');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new HttpError(err.statusCode, err.code ?? 'BAD_REQUEST', err.message);
  }
  return new HttpError(500, 'INTERNAL', 'Something went wrong on our side. It has been logged.');
}

export function sendError(req: FastifyRequest, reply: FastifyReply, e: HttpError, listName: string) {
  if (e.statusCode === 503) reply.header('Retry-After', '5');
  if (wantsHtml(req)) {
    const body = html`<h1>${e.statusCode === 400 ? 'Please check the form' : 'Sorry'}</h1><p>${e.message}</p>${
      e.fields?.length ? html`<ul>${e.fields.map((f) => html`<li class="error">${f.field}: ${f.message}</li>`)}</ul>` : ''
    }`;
    return reply.code(e.statusCode).type('text/html; charset=utf-8').send(page({ title: 'Error', body, listName }));
  }
  return reply.code(e.statusCode).send({ error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } });
}

export function registerErrorHandling(app: FastifyInstance, listName: string) {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const e = fromFastify(err);
    if (e.statusCode >= 500) req.log.error({ err, code: e.code }, 'request failed');
    return sendError(req, reply, e, listName);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, notFound('page'), listName));
}
