import { z } from 'zod';
import type { ApiSchemas } from './schemas.ts';

/** A response or a body of one content type, with the description the document gives it. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const text = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });
/** 204: no body (JSON Schema `null`, which @fastify/swagger documents as no content). */
export const noContent = (description: string) => z.null().meta({ description });

export const idParams = (what: string) => z.object({ id: z.string().max(200).meta({ description: `The ${what} id` }) });

/**
 * `?limit=`: out-of-range and non-numbers fall back to the bounds and the
 * default, as they always have, rather than refusing a script's paging.
 */
export const limitParam = (max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => Math.min(Math.max(Number(v) || fallback, 1), max))
    .meta({ description: `1–${max}, default ${fallback}` });

/** The error answers most editor routes share. */
export function errorResponses(api: ApiSchemas) {
  return {
    400: json(api.Error, 'Invalid input; `fields` names each field at fault'),
    401: json(api.Error, 'No or wrong editor token (`UNAUTHORIZED`)'),
    429: json(api.Error, '`AUTH_THROTTLED`: too many wrong tokens from this client; see `Retry-After`'),
    404: (what: string) => json(api.Error, `\`NOT_FOUND\`: no such ${what}`),
    409: (description: string) => json(api.Error, description),
    415: (description: string) => json(api.Error, `\`UNSUPPORTED_MEDIA_TYPE\`: ${description}`),
  };
}
