import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';

export type FormValue = string | string[];

/**
 * The fields of an admin form post, urlencoded or multipart alike. Uploaded
 * files arrive as Buffers (multipart keyValues mode) and come back as UTF-8 text.
 */
export function formFields(req: FastifyRequest): Record<string, FormValue> {
  const body = req.body;
  const out: Record<string, FormValue> = Object.create(null);
  if (!body || typeof body !== 'object' || Array.isArray(body)) return out;
  const text = (v: unknown) => (Buffer.isBuffer(v) ? v.toString('utf8') : typeof v === 'string' ? v : '');
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    out[k] = Array.isArray(v) ? v.map(text) : text(v);
  }
  return out;
}

export const one = (v: FormValue | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));
export const many = (v: FormValue | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Calls the editor JSON API in-process, so the admin pages get exactly the API's
 * validation, errors and output (one implementation, two front doors).
 */
export function createApiCaller(app: FastifyInstance, config: Config) {
  const authorization = `Bearer ${config.editorTokens[0]}`;
  return async (opts: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: string | object; contentType?: string }) => {
    const headers: Record<string, string> = { authorization };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    return app.inject({ method: opts.method, url: opts.url, headers, payload: opts.payload });
  };
}

export type ApiCaller = ReturnType<typeof createApiCaller>;

/** The API's error body, as field errors for a form. */
export function apiErrors(body: string, fallbackField: string): { field: string; message: string }[] {
  try {
    const e = (JSON.parse(body) as { error?: { message?: string; fields?: { field: string; message: string }[] } }).error;
    if (e?.fields?.length) return e.fields;
    return [{ field: fallbackField, message: e?.message ?? 'the request failed' }];
  } catch {
    return [{ field: fallbackField, message: 'the request failed' }];
  }
}
