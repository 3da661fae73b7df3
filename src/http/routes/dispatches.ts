import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { DispatchError, DispatchInputError } from '../../dispatch/control.ts';
import type { Dispatch } from '../../dispatch/model.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { badRequest, HttpError } from '../errors.ts';
import { dispatchCreateSchema, topicListSchema } from '../requestSchemas.ts';

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

const dispatchRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  app.addHook('preHandler', createEditorAuth(s).preHandler);
  const topicsSchema = topicListSchema(s.config.topics);
  const createBody = dispatchCreateSchema(s.config.topics);

  app.post<{ Params: { id: string } }>('/api/briefs/:id/dispatches', async (req, reply) => {
    const parsed = createBody.safeParse(req.body ?? {});
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })));
    try {
      const { id } = await s.dispatchControl.create({
        briefId: req.params.id,
        topics: parsed.data.topics,
        at: parsed.data.at ? new Date(parsed.data.at) : undefined,
        force: parsed.data.force,
        priority: parsed.data.priority,
        expiresAt: parsed.data.expiresAt ? new Date(parsed.data.expiresAt) : undefined,
      });
      return reply.code(202).send({ id });
    } catch (e) {
      if (e instanceof DispatchError && e.code === 'ALREADY_DISPATCHED') {
        return reply.code(409).send({ error: { code: e.code, message: e.message }, id: e.dispatchId });
      }
      toHttp(e);
    }
  });

  app.get('/api/dispatches', async () => ({ items: (await s.dispatches.list(50)).map(dispatchView) }));

  app.get<{ Params: { id: string } }>('/api/dispatches/:id', async (req) => {
    const d = await s.dispatches.get(req.params.id);
    if (!d) throw new HttpError(404, 'NOT_FOUND', 'No such dispatch.');
    return dispatchView(d);
  });

  const action = (name: 'pause' | 'resume' | 'cancel') =>
    app.post<{ Params: { id: string } }>(`/api/dispatches/:id/${name}`, async (req) => {
      try {
        return dispatchView(await s.dispatchControl[name](req.params.id));
      } catch (e) {
        toHttp(e);
      }
    });
  action('pause');
  action('resume');
  action('cancel');

  app.post<{ Params: { id: string } }>('/api/dispatches/:id/retry-failed', async (req, reply) => {
    try {
      return reply.code(202).send(await s.dispatchControl.retryFailed(req.params.id));
    } catch (e) {
      toHttp(e);
    }
  });

  app.post<{ Params: { id: string } }>('/api/dispatches/:id/restore-bounced', async (req) => {
    try {
      return await s.dispatchControl.restoreBounced(req.params.id);
    } catch (e) {
      toHttp(e);
    }
  });

  app.get<{ Querystring: { topics?: string | string[] } }>('/api/audience', async (req) => {
    const raw = req.query.topics;
    const topics = topicsSchema.safeParse(typeof raw === 'string' ? raw.split(',').filter(Boolean) : raw ?? []);
    if (!topics.success) throw badRequest([{ field: 'topics', message: 'contains an unknown topic' }]);
    return { topics: topics.data, count: await s.dispatchControl.audienceSize(topics.data) };
  });
};

export default dispatchRoutes;
