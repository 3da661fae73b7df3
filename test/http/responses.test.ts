import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createHarness, importActive, until, type Harness } from '../support/harness.ts';
import { apiSchemasFor } from '../../src/http/openapi/schemas.ts';
import { briefRouteSchemas } from '../../src/http/routes/briefSchemas.ts';
import { dispatchRouteSchemas } from '../../src/http/routes/dispatchSchemas.ts';
import { subscriberRouteSchemas } from '../../src/http/routes/subscriberSchemas.ts';

/**
 * Responses are sent as the handlers build them (the serializer checks
 * nothing), so this holds the routes' real answers to the schemas the
 * document publishes: a field the code adds, drops or retypes fails here.
 */

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');
let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true });
});
afterAll(async () => h?.close());

type RouteSchema = { response: Record<number, unknown> };
/** The zod schema a route documents for a JSON answer with this status. */
const documented = (route: RouteSchema, status: number) =>
  (route.response[status] as { content: { 'application/json': { schema: z.ZodType } } }).content['application/json'].schema;

/**
 * The body is exactly the documented shape: parsing keeps every documented
 * field and drops any other, so equality fails on a missing, an extra or a
 * mistyped field alike.
 */
function expectDocumented(res: { statusCode: number; json(): unknown }, route: RouteSchema, status: number) {
  expect(res.statusCode).toBe(status);
  const body = res.json();
  const parsed = documented(route, status).safeParse(body);
  expect(parsed.error?.issues ?? [], JSON.stringify(body).slice(0, 400)).toEqual([]);
  expect(parsed.data).toEqual(body);
}

describe('real answers match the documented response schemas', () => {
  it('briefs, dispatches, subscribers, status and the errors', async () => {
    const api = apiSchemasFor(h.config);
    const briefs = briefRouteSchemas(api);
    const dispatches = dispatchRouteSchemas(api, h.config.topics);
    const subscribers = subscriberRouteSchemas(api);
    const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: string, type = 'application/json') =>
      h.app.inject({ method, url, headers: { ...h.auth, ...(payload === undefined ? {} : { 'content-type': type }) }, ...(payload === undefined ? {} : { payload }) });

    await importActive(h, 'responses-reader@example.org', ['Ukraine']);
    const created = await inject('POST', '/api/briefs', seed, 'text/markdown');
    expectDocumented(created, briefs.create, 201);
    const id = (created.json() as { id: string }).id;
    expectDocumented(await inject('GET', `/api/briefs/${id}`), briefs.get, 200);
    expectDocumented(await inject('GET', '/api/briefs?limit=1'), briefs.list, 200);
    expectDocumented(await inject('POST', '/api/briefs/preview', seed, 'text/markdown'), briefs.preview, 200);

    const dispatch = await inject('POST', `/api/briefs/${id}/dispatches`, '{}');
    expectDocumented(dispatch, dispatches.create, 202);
    const dispatchId = (dispatch.json() as { id: string }).id;
    await until(async () => (await inject('GET', `/api/dispatches/${dispatchId}`)).json() as { status: string }, (d) => d.status === 'done', 20_000, 'the dispatch');
    expectDocumented(await inject('GET', `/api/dispatches/${dispatchId}`), dispatches.get, 200);
    expectDocumented(await inject('GET', '/api/dispatches'), dispatches.list, 200);
    expectDocumented(await inject('POST', '/api/digests/run'), dispatches.digestRun, 202);
    expectDocumented(await inject('GET', '/api/digests'), dispatches.digestList, 200);
    expectDocumented(await inject('POST', `/api/briefs/${id}/dispatches`, '{}'), dispatches.create, 409);
    expectDocumented(await inject('GET', `/api/briefs/${id}`), briefs.get, 200);
    expectDocumented(await inject('GET', `/api/briefs/${id}/history`), briefs.history, 200);
    expectDocumented(await inject('GET', '/api/audience?topics=Ukraine'), dispatches.audience, 200);

    expectDocumented(await inject('GET', '/api/subscribers?status=active'), subscribers.list, 200);
    await until(async () => (await inject('GET', '/api/status')).json() as { workers: unknown[] }, (s) => s.workers.length > 0, 10_000, 'a worker heartbeat');
    expectDocumented(await inject('GET', '/api/status'), dispatches.status, 200);

    // The errors are documented too.
    expectDocumented(await inject('POST', `/api/briefs/${id}/test`, '{"to":[]}'), briefs.testSend, 400);
    expectDocumented(await inject('GET', '/api/briefs/b999999'), briefs.get, 404);
    expectDocumented(await h.app.inject({ url: '/api/briefs' }), briefs.list, 401);
  });
});

describe('validation', () => {
  it('runs after the token check: a bad body without the token is a 401, with it a 400 naming the field', async () => {
    const bad = { method: 'POST' as const, url: '/api/briefs/b1/test', payload: { to: 'not-a-list' } };
    const anonymous = await h.app.inject(bad);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
    const editor = await h.app.inject({ ...bad, headers: h.auth });
    expect(editor.statusCode).toBe(400);
    expect(editor.json().error).toMatchObject({ code: 'INVALID_INPUT', fields: [{ field: 'to', message: expect.any(String) }] });
  });

  it('names the query parameter at fault, and keeps the lenient paging', async () => {
    const status = await h.app.inject({ url: '/api/subscribers?status=gone', headers: h.auth });
    expect(status.statusCode).toBe(400);
    expect(status.json().error.fields).toEqual([{ field: 'status', message: 'must be one of pending, active, unsubscribed, bounced, complained' }]);
    const format = await h.app.inject({ url: '/api/briefs/b1/preview?format=pdf', headers: h.auth });
    expect(format.json().error.fields).toEqual([{ field: 'format', message: 'must be html or text' }]);
    const topics = await h.app.inject({ url: '/api/audience?topics=Ukraine,Atlantis', headers: h.auth });
    expect(topics.json().error.fields).toEqual([{ field: 'topics.1', message: 'is not a known topic' }]);
    expect((await h.app.inject({ url: '/api/subscribers?status=&limit=99999', headers: h.auth })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/api/briefs?limit=abc', headers: h.auth })).statusCode).toBe(200);
  });

  it('a dispatch with no body at all sends to the brief\'s topics; an unknown key names the body', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/briefs/b999999/dispatches', headers: h.auth });
    expect(res.statusCode).toBe(404);
    const extra = await h.app.inject({ method: 'POST', url: '/api/briefs/b999999/dispatches', headers: h.auth, payload: { extra: 1 } });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.fields).toEqual([{ field: 'body', message: expect.stringContaining('extra') }]);
  });
});
