import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiServices } from '../services.ts';
import { DispatchError, DispatchInputError } from '../../dispatch/control.ts';
import type { Dispatch } from '../../dispatch/model.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { badRequest, HttpError } from '../errors.ts';
import { apiSchemasFor } from '../openapi/schemas.ts';
import { dispatchRouteSchemas } from './dispatchSchemas.ts';

/** Progress as editors and the CLI see it, with rate and ETA derived from the counters. */
export function dispatchView(d: Dispatch) {
  const settled = d.sent + d.failed + d.suppressed + d.uncertain + d.expired;
  const started = d.startedAt ? Date.parse(d.startedAt) : undefined;
  const end = d.finishedAt ? Date.parse(d.finishedAt) : Date.now();
  const seconds = started ? Math.max((end - started) / 1000, 0.001) : 0;
  const rate = seconds ? settled / seconds : 0;
  const remaining = Math.max(d.total - settled, 0);
  return {
    ...d,
    settled,
    progress: d.total ? Math.min(settled / d.total, 1) : d.status === 'done' ? 1 : 0,
    ratePerSecond: Math.round(rate * 10) / 10,
    etaSeconds: d.status === 'sending' && rate > 0 && d.planned ? Math.ceil(remaining / rate) : null,
    reconciled: d.status === 'done' ? d.missing === 0 : null,
    bounceRate: share(d.bounced, d.sent),
    complaintRate: share(d.complained, d.sent),
  };
}

/** Feedback per copy sent (0 while nothing is), to six places: 0.003 is the figure that matters. */
const share = (n: number, sent: number) => (sent > 0 ? Math.round((n / sent) * 1e6) / 1e6 : 0);

function toHttp(e: unknown): never {
  if (e instanceof DispatchInputError) throw badRequest([{ field: e.field, message: e.message }]);
  if (e instanceof DispatchError) {
    const status = { BRIEF_NOT_FOUND: 404, NOT_FOUND: 404, ALREADY_DISPATCHED: 409, INVALID_STATE: 409 }[e.code];
    throw new HttpError(status, e.code, e.message);
  }
  throw e;
}

const dispatchRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services: s }) => {
  app.addHook('preValidation', createEditorAuth(s).requireToken);
  const schemas = dispatchRouteSchemas(apiSchemasFor(s.config), s.config.topics);

  app.post('/api/briefs/:id/dispatches', { schema: schemas.create }, async (req, reply) => {
    const body = req.body ?? {};
    try {
      const { id } = await s.dispatchControl.create({
        briefId: req.params.id,
        topics: body.topics,
        at: body.at ? new Date(body.at) : undefined,
        force: body.force,
        priority: body.priority,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
      });
      return reply.code(202).send({ id });
    } catch (e) {
      if (e instanceof DispatchError && e.code === 'ALREADY_DISPATCHED') {
        return reply.code(409).send({ error: { code: e.code, message: e.message }, id: e.dispatchId });
      }
      toHttp(e);
    }
  });

  app.get('/api/dispatches', { schema: schemas.list }, async () => ({ items: (await s.dispatches.list(50)).map(dispatchView) }));

  app.get('/api/dispatches/:id', { schema: schemas.get }, async (req) => {
    const d = await s.dispatches.get(req.params.id);
    if (!d) throw new HttpError(404, 'NOT_FOUND', 'No such dispatch.');
    return dispatchView(d);
  });

  const action = (name: 'pause' | 'resume' | 'cancel') =>
    app.post(`/api/dispatches/:id/${name}`, { schema: schemas[name] }, async (req) => {
      try {
        return dispatchView(await s.dispatchControl[name](req.params.id));
      } catch (e) {
        toHttp(e);
      }
    });
  action('pause');
  action('resume');
  action('cancel');

  app.post('/api/dispatches/:id/retry-failed', { schema: schemas.retryFailed }, async (req, reply) => {
    try {
      return reply.code(202).send(await s.dispatchControl.retryFailed(req.params.id));
    } catch (e) {
      toHttp(e);
    }
  });

  app.post('/api/dispatches/:id/restore-bounced', { schema: schemas.restoreBounced }, async (req) => {
    try {
      return await s.dispatchControl.restoreBounced(req.params.id);
    } catch (e) {
      toHttp(e);
    }
  });

  app.get('/api/audience', { schema: schemas.audience }, async (req) => {
    const { topics } = req.query;
    return { topics, count: await s.dispatchControl.audienceSize(topics) };
  });
};

export default dispatchRoutes;
