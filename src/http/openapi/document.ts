import { z } from 'zod';
import type { Config } from '../../config.ts';
import { apiSchemas, type ApiSchemaName } from './schemas.ts';

type Media = ApiSchemaName | 'markdown' | 'csv' | 'html' | 'text';
interface Param {
  name: string;
  in: 'path' | 'query';
  description: string;
  schema?: object;
}
export interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  tag: 'briefs' | 'dispatches' | 'subscribers';
  params?: Param[];
  body?: readonly Media[];
  responses: Record<number, { description: string; body?: readonly Media[] }>;
}

const id = (what: string): Param => ({ name: 'id', in: 'path', description: `The ${what} id` });
const q = (name: string, description: string): Param => ({ name, in: 'query', description });
const errors = {
  400: { description: 'Invalid input; `fields` names each field at fault', body: ['Error'] },
  401: { description: 'No or wrong editor token', body: ['Error'] },
} as const;
const missing = { 404: { description: 'Not found', body: ['Error'] as Media[] } };
const conflict = { 409: { description: 'Not allowed in the current state', body: ['Error'] as Media[] } };

/** Every documented editor route. Kept next to the schemas so a new route is one entry here. */
export const OPERATIONS: Operation[] = [
  {
    method: 'post', path: '/api/briefs', tag: 'briefs',
    summary: 'Create a brief from JSON or Markdown with front matter',
    body: ['Brief', 'markdown'],
    responses: { 201: { description: 'Created', body: ['BriefCreated'] }, ...errors, 415: { description: 'Neither JSON nor Markdown', body: ['Error'] } },
  },
  {
    method: 'get', path: '/api/briefs', tag: 'briefs',
    summary: 'List briefs, newest first, with their latest dispatch',
    params: [q('limit', '1–200, default 50'), q('before', 'A brief id: page from there'), q('archived', '`true`: the archived briefs instead')],
    responses: { 200: { description: '`{items: BriefSummary[], next?}`', body: ['BriefSummary'] }, 401: errors[401] },
  },
  {
    method: 'get', path: '/api/briefs/{id}', tag: 'briefs',
    summary: 'One brief as stored',
    params: [id('brief')],
    responses: { 200: { description: 'The brief', body: ['StoredBrief'] }, 401: errors[401], ...missing },
  },
  {
    method: 'put', path: '/api/briefs/{id}', tag: 'briefs',
    summary: 'Edit a brief until a dispatch of it has started (same JSON or Markdown as POST); the version bumps',
    params: [id('brief')],
    body: ['Brief', 'markdown'],
    responses: {
      200: { description: 'The new version', body: ['BriefUpdated'] }, ...errors, ...missing,
      409: { description: '`BRIEF_SENT` (frozen once sent: make a correction) or `SLUG_TAKEN`', body: ['Error'] },
      412: { description: '`VERSION_CONFLICT`: `If-Match` names an older version', body: ['Error'] },
    },
  },
  {
    method: 'delete', path: '/api/briefs/{id}', tag: 'briefs',
    summary: 'Delete a draft that was never dispatched',
    params: [id('brief')],
    responses: { 204: { description: 'Deleted' }, 401: errors[401], ...missing, 409: { description: '`BRIEF_SENT` (archive it instead) or `BRIEF_SCHEDULED`', body: ['Error'] } },
  },
  {
    method: 'post', path: '/api/briefs/{id}/archive', tag: 'briefs',
    summary: 'Hide a brief from the list; its web version stays',
    params: [id('brief')],
    responses: { 200: { description: 'Archived', body: ['BriefArchived'] }, 401: errors[401], ...missing, 409: { description: '`BRIEF_DISPATCH_ACTIVE`', body: ['Error'] } },
  },
  {
    method: 'get', path: '/api/briefs/{id}/history', tag: 'briefs',
    summary: "Each change: who (the editor token's label), when, what changed",
    params: [id('brief')],
    responses: { 200: { description: 'The history, oldest first', body: ['BriefHistory'] }, 401: errors[401], ...missing },
  },
  {
    method: 'post', path: '/api/briefs/{id}/correction', tag: 'briefs',
    summary: 'A new draft made from a sent brief',
    params: [id('brief')],
    responses: { 201: { description: 'The correction draft', body: ['BriefCorrection'] }, 401: errors[401], ...missing, 409: { description: '`BRIEF_NOT_SENT`', body: ['Error'] } },
  },
  {
    method: 'post', path: '/api/briefs/preview', tag: 'briefs',
    summary: 'Preview unsaved Markdown through the readers\' builder, with errors at their lines',
    body: ['markdown'],
    responses: { 200: { description: 'The email, or the errors', body: ['BriefPreview'] }, 401: errors[401], 415: { description: 'Not Markdown', body: ['Error'] } },
  },
  {
    method: 'get', path: '/api/briefs/{id}/preview', tag: 'briefs',
    summary: 'The email as a reader gets it (sample personal links)',
    params: [id('brief'), { ...q('format', 'html (default) or text'), schema: { type: 'string', enum: ['html', 'text'] } }],
    responses: { 200: { description: 'The HTML or text part', body: ['html', 'text'] }, ...errors, ...missing },
  },
  {
    method: 'post', path: '/api/briefs/{id}/test', tag: 'briefs',
    summary: 'Send test copies (subject marked as a test)',
    params: [id('brief')],
    body: ['TestSend'],
    responses: { 202: { description: 'Queued', body: ['Queued'] }, ...errors, ...missing },
  },
  {
    method: 'post', path: '/api/briefs/{id}/dispatches', tag: 'dispatches',
    summary: 'Dispatch a brief to its audience, now or at a time',
    params: [id('brief')],
    body: ['DispatchCreate'],
    responses: {
      202: { description: 'Accepted', body: ['DispatchCreated'] },
      ...errors,
      ...missing,
      409: { description: 'Already dispatched (the body carries its `id`); send `force: true` to send again', body: ['Error'] },
    },
  },
  {
    method: 'get', path: '/api/dispatches/{id}', tag: 'dispatches',
    summary: 'Progress of a dispatch, with rate and ETA',
    params: [id('dispatch')],
    responses: { 200: { description: 'The dispatch', body: ['Dispatch'] }, 401: errors[401], ...missing },
  },
  ...(['pause', 'resume', 'cancel'] as const).map(
    (a): Operation => ({
      method: 'post', path: `/api/dispatches/{id}/${a}`, tag: 'dispatches',
      summary: `${a[0]!.toUpperCase()}${a.slice(1)} a dispatch`,
      params: [id('dispatch')],
      responses: { 200: { description: 'The dispatch after the change', body: ['Dispatch'] }, 401: errors[401], ...missing, ...conflict },
    }),
  ),
  {
    method: 'post', path: '/api/dispatches/{id}/retry-failed', tag: 'dispatches',
    summary: 'Queue the failed recipients of a finished dispatch again',
    params: [id('dispatch')],
    responses: { 202: { description: 'How many were requeued', body: ['RetryFailed'] }, 401: errors[401], ...missing, ...conflict },
  },
  {
    method: 'post', path: '/api/dispatches/{id}/restore-bounced', tag: 'dispatches',
    summary: 'Put back to active the subscribers this dispatch marked bounced (after a relay refused everyone)',
    params: [id('dispatch')],
    responses: { 200: { description: 'How many were restored', body: ['RestoreBounced'] }, 401: errors[401], ...missing },
  },
  {
    method: 'get', path: '/api/status', tag: 'dispatches',
    summary: 'Live worker processes and what each last saw of the SMTP relay',
    responses: { 200: { description: 'The workers', body: ['Status'] }, 401: errors[401] },
  },
  {
    method: 'get', path: '/api/audience', tag: 'dispatches',
    summary: 'How many active subscribers a dispatch to these topics would reach',
    params: [q('topics', 'Comma-separated topic names; none means everyone active')],
    responses: { 200: { description: 'The count', body: ['Audience'] }, ...errors },
  },
  {
    method: 'get', path: '/api/subscribers', tag: 'subscribers',
    summary: 'List subscribers (filter by status, search by address, paginate)',
    params: [
      q('status', 'pending, active, unsubscribed, bounced or complained'),
      q('q', 'Address search'),
      q('after', 'The `next` of the previous page'),
      q('limit', '1–500, default 50'),
    ],
    responses: { 200: { description: 'A page', body: ['SubscriberPage'] }, ...errors },
  },
  {
    method: 'get', path: '/api/subscribers.csv', tag: 'subscribers',
    summary: 'Export as CSV: email, name, topics, consent, status',
    params: [q('status', 'Only this status')],
    responses: { 200: { description: 'CSV', body: ['csv'] }, ...errors },
  },
  {
    method: 'post', path: '/api/subscribers/import', tag: 'subscribers',
    summary: 'Import CSV (header row; columns email, name, topics separated by |, consent = where and when consent was given)',
    params: [q('status', '`active` imports as confirmed (consent obtained elsewhere); the default sends confirmations')],
    body: ['csv'],
    responses: {
      200: { description: 'What happened; bad rows are listed and never half-written', body: ['ImportResult'] },
      ...errors,
      415: { description: 'Not text/csv', body: ['Error'] },
    },
  },
  {
    method: 'post', path: '/api/digests/run', tag: 'dispatches',
    summary: "Send the digest now: every daily reader with something pending gets theirs (a second run with nothing new sends nothing)",
    responses: { 202: { description: 'Queued', body: ['DispatchCreated'] }, 401: errors[401] },
  },
  {
    method: 'get', path: '/api/digests', tag: 'dispatches',
    summary: 'The digest sends, newest first, with their counts',
    responses: { 200: { description: '`{items: Dispatch[]}`', body: ['Dispatch'] }, 401: errors[401] },
  },
  {
    method: 'post', path: '/api/subscribers/{id}/restore', tag: 'subscribers',
    summary: 'Put a bounced or complained reader back to active (logged with the editor)',
    params: [id('subscriber')],
    responses: { 200: { description: 'The subscriber', body: ['Subscriber'] }, 401: errors[401], ...missing, 409: { description: '`NOT_BOUNCED` or `NEVER_CONFIRMED`', body: ['Error'] } },
  },
  {
    method: 'delete', path: '/api/subscribers/{id}', tag: 'subscribers',
    summary: 'Erase a subscriber (GDPR erasure)',
    params: [id('subscriber')],
    responses: { 204: { description: 'Erased' }, 401: errors[401], ...missing },
  },
];

const MEDIA: Record<Exclude<Media, ApiSchemaName>, { type: string; schema: object }> = {
  markdown: { type: 'text/markdown', schema: { type: 'string', description: 'Markdown with YAML front matter' } },
  csv: { type: 'text/csv', schema: { type: 'string' } },
  html: { type: 'text/html', schema: { type: 'string' } },
  text: { type: 'text/plain', schema: { type: 'string' } },
};

function content(media: readonly Media[]) {
  const out: Record<string, { schema: object }> = {};
  for (const m of media) {
    if (m in MEDIA) {
      const x = MEDIA[m as keyof typeof MEDIA];
      out[x.type] = { schema: x.schema };
    } else out['application/json'] = { schema: { $ref: `#/components/schemas/${m}` } };
  }
  return out;
}

/** The OpenAPI 3.1 document for the editor API, with component schemas generated from zod. */
export function buildOpenApi(config: Config) {
  const schemas = apiSchemas(config.topics);
  const components: Record<string, object> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const { $schema: _drop, ...json } = z.toJSONSchema(schema as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    components[name] = json;
  }
  // briefSchema checks topics with a refinement; say which names are accepted.
  const briefProps = (components.Brief as { properties?: Record<string, { items?: Record<string, unknown> }> }).properties;
  if (briefProps?.topics?.items) briefProps.topics.items.enum = [...config.topics];

  const paths: Record<string, Record<string, object>> = {};
  for (const op of OPERATIONS) {
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(op.params ? { parameters: op.params.map((p) => ({ ...p, required: p.in === 'path', schema: p.schema ?? { type: 'string' } })) } : {}),
      ...(op.body ? { requestBody: { required: true, content: content(op.body) } } : {}),
      responses: Object.fromEntries(
        Object.entries(op.responses).map(([code, r]) => [code, { description: r.description, ...(r.body ? { content: content(r.body) } : {}) }]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: `${config.mail.listName} editor API (briefwire)`,
      version: '1',
      description: 'Every route needs `Authorization: Bearer <editor token>`; errors carry a stable `code` and, for 400, the `fields` at fault.',
    },
    servers: [{ url: config.http.publicUrl }],
    security: [{ editorToken: [] }],
    tags: [{ name: 'briefs' }, { name: 'dispatches' }, { name: 'subscribers' }],
    paths,
    components: { schemas: components, securitySchemes: { editorToken: { type: 'http', scheme: 'bearer' } } },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;
