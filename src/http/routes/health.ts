import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../../services.ts';

const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms).unref())]);

/** Liveness, readiness (Redis and the mail transport) and Prometheus metrics. */
const healthRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services: s }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all([
      withTimeout(s.redis.ping(), 2_000, 'Redis').then(
        () => (checks.redis = { ok: true }),
        (e: Error) => (checks.redis = { ok: false, error: e.message }),
      ),
      withTimeout(s.mailer.verify(), 5_000, 'SMTP').then(
        () => (checks.mail = { ok: true }),
        (e: Error) => (checks.mail = { ok: false, error: e.message }),
      ),
    ]);
    const ok = Object.values(checks).every((c) => c.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', async (req, reply) => {
    const token = s.config.metricsToken;
    if (token && req.headers.authorization !== `Bearer ${token}`) {
      return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'A metrics token is required.' } });
    }
    return reply.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
  });
};

export default healthRoutes;
