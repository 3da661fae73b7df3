import { z } from 'zod';
import type { ApiSchemas } from '../openapi/schemas.ts';
import { errorResponses, idParams, json, limitParam } from '../openapi/responses.ts';
import { topicListSchema } from '../requestSchemas.ts';

const tags = ['dispatches'];

/** The dispatch, audience, status and digest routes' schemas: what Fastify validates and what the document says. */
export function dispatchRouteSchemas(api: ApiSchemas, topics: readonly string[]) {
  const e = errorResponses(api);
  const auth = { 401: e[401], 429: e[429] };
  const params = idParams('dispatch');
  const control = (summary: string) => ({
    tags,
    summary,
    params,
    response: { 200: json(api.Dispatch, 'The dispatch after the change'), ...auth, 404: e[404]('dispatch'), 409: e[409]('`INVALID_STATE`: not allowed in its current state') },
  });
  return {
    create: {
      tags,
      summary: 'Dispatch a brief to its audience, now or at a time',
      params: idParams('brief'),
      // No body at all is an empty one: send now, to the brief's topics.
      body: api.DispatchCreate.nullable(),
      response: {
        202: json(api.DispatchCreated, 'Accepted'),
        400: e[400],
        ...auth,
        404: e[404]('brief (`BRIEF_NOT_FOUND`)'),
        409: json(api.AlreadyDispatched, '`ALREADY_DISPATCHED` (the body carries its `id`); send `force: true` to send again'),
      },
    },
    list: {
      tags,
      summary: 'The latest 50 dispatches, newest first, with their progress',
      response: { 200: json(z.object({ items: z.array(api.Dispatch) }), 'The dispatches'), ...auth },
    },
    get: {
      tags,
      summary: 'Progress of a dispatch, with rate and ETA',
      params,
      response: { 200: json(api.Dispatch, 'The dispatch'), ...auth, 404: e[404]('dispatch') },
    },
    pause: control('Pause a dispatch'),
    resume: control('Resume a dispatch'),
    cancel: control('Cancel a dispatch'),
    retryFailed: {
      tags,
      summary: 'Queue the failed recipients of a finished dispatch again',
      params,
      response: { 202: json(api.RetryFailed, 'How many were requeued'), ...auth, 404: e[404]('dispatch'), 409: e[409]('`INVALID_STATE`: not finished') },
    },
    restoreBounced: {
      tags,
      summary: 'Put back to active the subscribers this dispatch marked bounced (after a relay refused everyone)',
      params,
      response: { 200: json(api.RestoreBounced, 'How many were restored'), ...auth, 404: e[404]('dispatch') },
    },
    audience: {
      tags,
      summary: 'How many active subscribers a dispatch to these topics would reach',
      querystring: z.object({
        topics: z
          .union([z.string(), z.array(z.string())])
          .optional()
          .transform((v) => (typeof v === 'string' ? v.split(',').filter(Boolean) : (v ?? [])))
          .pipe(topicListSchema(topics))
          .meta({ description: 'Comma-separated topic names (or the parameter repeated); none means everyone active' }),
      }),
      response: { 200: json(api.Audience, 'The count'), 400: e[400], ...auth },
    },
    status: {
      tags,
      summary: 'Live worker processes and what each last saw of the SMTP relay',
      response: { 200: json(api.Status, 'The workers'), ...auth },
    },
    digestRun: {
      tags,
      summary: 'Send the digest now: every daily reader with something pending gets theirs (a second run with nothing new sends nothing)',
      response: { 202: json(api.DispatchCreated, 'Queued: the run id'), ...auth },
    },
    digestList: {
      tags,
      summary: 'The digest sends, newest first, with their counts',
      querystring: z.object({
        limit: limitParam(200, 50),
        run: z.string().max(200).optional().meta({ description: 'Only the sends of this run (the id `POST /api/digests/run` gave)' }),
      }),
      response: { 200: json(z.object({ items: z.array(api.DigestSend) }), 'The digest sends'), 400: e[400], ...auth },
    },
  };
}
