import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createWorkerRegistry, type WorkerStatus } from '../../ops/workerRegistry.ts';
import type { MailerHealth } from '../../mail/mailer.ts';

/** Live workers, and how many of them saw the relay fail since their last good send. */
function smtpSummary(workers: WorkerStatus[]) {
  const failing = (h: MailerHealth) => !!h.lastError && (!h.lastOkAt || h.lastError.at > h.lastOkAt);
  return { workers: workers.length, failing: workers.filter((w) => failing(w.smtp.transactional) || failing(w.smtp.bulk)).length };
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

/**
 * Liveness, readiness, the workers' status and Prometheus metrics. Readiness
 * is Redis only: the API sends no mail, and a probe must not open SMTP
 * sessions. What the relay looks like is each worker's heartbeat (GET /api/status).
 */
const healthRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: s }) => {
  const auth = createEditorAuth(s.config.editorTokens);
  const registry = createWorkerRegistry(s.redis, s.keys);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    const redis = await withTimeout(s.redis.ping(), 2_000, 'Redis').then(
      () => ({ ok: true }),
      (e: Error) => ({ ok: false, error: e.message }),
    );
    const body: Record<string, unknown> = { status: redis.ok ? 'ready' : 'unavailable' };
    // Only an editor learns why: an anonymous prober gets up or down.
    if (auth.isEditorRequest(req)) {
      body.checks = { redis };
      // What the workers' heartbeats say of the relay (informational: the API itself sends no mail).
      if (redis.ok) body.smtp = smtpSummary(await registry.live().catch(() => []));
    }
    return reply.code(redis.ok ? 200 : 503).send(body);
  });

  app.get('/api/status', { preHandler: auth.preHandler }, async () => ({ workers: await registry.live() }));

  app.get('/metrics', async (req, reply) => {
    const token = s.config.metricsToken;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'A metrics token is required.' } });
    }
    return reply.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
  });
};

export default healthRoutes;
