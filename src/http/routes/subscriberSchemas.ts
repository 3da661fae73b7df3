import { z } from 'zod';
import { SUBSCRIBER_STATUSES } from '../../subscribers/model.ts';
import type { ApiSchemas } from '../openapi/schemas.ts';
import { errorResponses, idParams, json, limitParam, noContent, text } from '../openapi/responses.ts';

const tags = ['subscribers'];

/** `?status=` names a status; empty is the same as absent (a form's "any status"). */
const statusFilter = z
  .union([z.enum(SUBSCRIBER_STATUSES), z.literal('')], { error: `must be one of ${SUBSCRIBER_STATUSES.join(', ')}` })
  .optional()
  .transform((v) => v || undefined);

/** The subscriber routes' schemas: what Fastify validates and what the document says. */
export function subscriberRouteSchemas(api: ApiSchemas) {
  const e = errorResponses(api);
  const auth = { 401: e[401], 429: e[429] };
  const params = idParams('subscriber');
  return {
    list: {
      tags,
      summary: 'List subscribers (filter by status, search by address, paginate)',
      querystring: z.object({
        status: statusFilter.meta({ description: SUBSCRIBER_STATUSES.join(', ') }),
        q: z.string().optional().meta({ description: 'Address search (a substring)' }),
        after: z.string().optional().meta({ description: 'The `next` of the previous page' }),
        limit: limitParam(500, 50),
      }),
      response: { 200: json(api.SubscriberPage, 'A page'), 400: e[400], ...auth },
    },
    csv: {
      tags,
      summary: 'Export as CSV: email, name, topics, consent, status (and cadence, timeZone once a reader has one)',
      querystring: z.object({ status: statusFilter.meta({ description: 'Only this status' }) }),
      response: { 200: text('text/csv', 'CSV with a header row'), 400: e[400], ...auth },
    },
    import: {
      tags,
      summary: 'Import CSV (header row; columns email, name, topics separated by |, consent = where and when consent was given)',
      querystring: z.object({
        status: z
          .union([z.literal('active'), z.literal('')], { error: 'only "active" is accepted' })
          .optional()
          .meta({ description: '`active` imports as confirmed (consent obtained elsewhere); the default sends confirmations' }),
      }),
      body: { content: { 'text/csv': { schema: z.string() } } },
      response: {
        200: json(api.ImportResult, 'What happened; bad rows are listed and never half-written'),
        400: e[400],
        ...auth,
        415: e[415]('not text/csv'),
      },
    },
    restore: {
      tags,
      summary: 'Put a bounced or complained reader back to active (logged with the editor)',
      params,
      response: { 200: json(api.Subscriber, 'The subscriber'), ...auth, 404: e[404]('subscriber'), 409: e[409]('`NOT_BOUNCED` or `NEVER_CONFIRMED`') },
    },
    erase: {
      tags,
      summary: 'Erase a subscriber (GDPR erasure)',
      params,
      response: { 204: noContent('Erased'), ...auth, 404: e[404]('subscriber') },
    },
  };
}
