import { z } from 'zod';
import type { ApiSchemas } from '../openapi/schemas.ts';
import { validatedByTheRoute } from '../openapi/plugin.ts';
import { errorResponses, idParams, json, limitParam, noContent } from '../openapi/responses.ts';

const tags = ['briefs'];

/** The brief routes' schemas: what Fastify validates and what the OpenAPI document says. */
export function briefRouteSchemas(api: ApiSchemas) {
  const e = errorResponses(api);
  const auth = { 401: e[401], 429: e[429] };
  const params = idParams('brief');
  /**
   * JSON or Markdown with front matter. Both go to the route's own brief
   * validation (validatedByTheRoute says why); the Markdown is a string to Fastify.
   */
  const briefBody = {
    content: {
      'application/json': { schema: validatedByTheRoute(api.Brief) },
      'text/markdown': { schema: z.string().meta({ description: 'Markdown with YAML front matter (DESIGN.md, "Brief formats")' }) },
    },
  };
  return {
    create: {
      tags,
      summary: 'Create a brief from JSON or Markdown with front matter',
      body: briefBody,
      response: { 201: json(api.BriefCreated, 'Created; `warnings` from compiling it now'), 400: e[400], ...auth, 415: e[415]('neither JSON nor Markdown') },
    },
    preview: {
      tags,
      summary: "Preview unsaved Markdown through the readers' builder, with errors at their lines",
      body: { content: { 'text/markdown': { schema: z.string() } } },
      response: { 200: json(api.BriefPreview, 'The email, or the errors at their lines (not a 400)'), ...auth, 415: e[415]('not Markdown') },
    },
    list: {
      tags,
      summary: 'List briefs, newest first, with their latest dispatch',
      querystring: z.object({
        limit: limitParam(200, 50),
        before: z.string().max(200).optional().meta({ description: 'A brief id: page from there' }),
        archived: z
          .string()
          .optional()
          .transform((v) => v === 'true' || v === '1')
          .meta({ description: '`true`: the archived briefs instead' }),
      }),
      response: {
        200: json(z.object({ items: z.array(api.BriefSummary), next: z.string().optional().meta({ description: 'Pass back as `before`' }) }), 'A page of briefs'),
        400: e[400],
        ...auth,
      },
    },
    get: {
      tags,
      summary: 'One brief as stored (its `ETag` is its version, for `If-Match`)',
      params,
      response: { 200: json(api.StoredBrief, 'The brief'), ...auth, 404: e[404]('brief') },
    },
    update: {
      tags,
      summary: 'Edit a brief until a dispatch of it has started (same JSON or Markdown as POST); the version bumps',
      params,
      headers: z.looseObject({
        'if-match': z.string().optional().meta({ description: 'The version the edit is based on, as `ETag` gave it (`"3"`): 412 when a newer one was saved' }),
      }),
      body: briefBody,
      response: {
        200: json(api.BriefUpdated, 'The new version'),
        400: e[400],
        ...auth,
        404: e[404]('brief'),
        409: e[409]('`BRIEF_SENT` (frozen once sent: make a correction) or `SLUG_TAKEN`'),
        412: json(api.Error, '`VERSION_CONFLICT`: `If-Match` names an older version'),
        415: e[415]('neither JSON nor Markdown'),
      },
    },
    remove: {
      tags,
      summary: 'Delete a draft that was never dispatched',
      params,
      response: { 204: noContent('Deleted'), ...auth, 404: e[404]('brief'), 409: e[409]('`BRIEF_SENT` (archive it instead) or `BRIEF_SCHEDULED`') },
    },
    archive: {
      tags,
      summary: 'Hide a brief from the list; its web version stays',
      params,
      response: { 200: json(api.BriefArchived, 'Archived'), ...auth, 404: e[404]('brief'), 409: e[409]('`BRIEF_DISPATCH_ACTIVE`') },
    },
    history: {
      tags,
      summary: "Each change: who (the editor token's label), when, what changed",
      params,
      response: { 200: json(api.BriefHistory, 'The history, oldest first'), ...auth, 404: e[404]('brief') },
    },
    correction: {
      tags,
      summary: 'A new draft made from a sent brief',
      params,
      response: { 201: json(api.BriefCorrection, 'The correction draft'), ...auth, 404: e[404]('brief'), 409: e[409]('`BRIEF_NOT_SENT`') },
    },
    email: {
      tags,
      summary: 'The email as a reader gets it (sample personal links)',
      params,
      querystring: z.object({
        format: z.enum(['html', 'text'], { error: 'must be html or text' }).default('html').meta({ description: 'html (default) or text' }),
      }),
      response: {
        200: { description: 'The HTML or the text part', content: { 'text/html': { schema: z.string() }, 'text/plain': { schema: z.string() } } },
        400: e[400],
        ...auth,
        404: e[404]('brief'),
      },
    },
    testSend: {
      tags,
      summary: 'Send test copies (subject marked as a test)',
      params,
      body: api.TestSend,
      response: { 202: json(api.Queued, 'Queued'), 400: e[400], ...auth, 404: e[404]('brief') },
    },
  };
}
