import type { Queue } from 'bullmq';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiServices } from '../services.ts';
import { QUEUE_NAMES } from '../../queue/queues.ts';
import { createDigestQueue, requestDigestRun, type DigestJob } from '../../digests/queue.ts';
import { createDigestStore } from '../../digests/store.ts';
import { listDigestSends } from '../../digests/view.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { apiSchemasFor } from '../openapi/schemas.ts';
import { dispatchRouteSchemas } from './dispatchSchemas.ts';

const producers = new WeakMap<ApiServices, Queue<DigestJob>>();

/** The API's producer on the digest queue (one per services; closed with the app). */
export function digestQueueOf(s: ApiServices): Queue<DigestJob> {
  let q = producers.get(s);
  if (!q) {
    // The digest queue takes the same test suffix as the others.
    q = createDigestQueue(s.redis, s.keys, s.queues.mail.name.slice(QUEUE_NAMES.mail.length));
    q.on('error', (err) => s.logger.warn({ queue: q!.name, err: err.message }, 'queue connection error'));
    s.metrics.watchQueues([q]);
    producers.set(s, q);
  }
  return q;
}

export const digestListOf = (s: ApiServices, limit = 50) => listDigestSends({ digests: createDigestStore(s.redis, s.keys), dispatches: s.dispatches, briefs: s.briefs }, limit);

/**
 * Daily digests, for editors: `POST /api/digests/run` sends every daily reader
 * with something pending their digest now (a worker runs it: 202 with the
 * run's id); `GET /api/digests` lists the digest sends with their counts.
 */
const digestRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services: s }) => {
  app.addHook('preValidation', createEditorAuth(s).requireToken);
  const schemas = dispatchRouteSchemas(apiSchemasFor(s.config), s.config.topics);
  const queue = digestQueueOf(s);
  app.addHook('onClose', async () => {
    producers.delete(s);
    await queue.close();
  });

  app.post('/api/digests/run', { schema: schemas.digestRun }, async (_req, reply) => reply.code(202).send({ id: await requestDigestRun(queue) }));

  app.get('/api/digests', { schema: schemas.digestList }, async (req) => {
    const items = await digestListOf(s, req.query.limit);
    return { items: req.query.run ? items.filter((d) => d.run === req.query.run) : items };
  });
};

export default digestRoutes;
