import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { BEARER_BUDGET, bearerToken, createEditorAuth, createTokenAttempts, tokenDigests, tokenMatches, type TokenVerdict } from '../editorAuth.ts';
import { HttpError } from '../errors.ts';
import { apiSchemasFor } from '../openapi/schemas.ts';
import { dispatchRouteSchemas } from './dispatchSchemas.ts';
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
const healthRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  const auth = createEditorAuth(s);
  const registry = createWorkerRegistry(s.redis, s.keys);
  const metricsToken = s.config.metricsToken ? tokenDigests([s.config.metricsToken]) : undefined;
  // Wrong metrics tokens spend the client's bearer budget, like wrong editor tokens.
  const metricsAttempts = createTokenAttempts(s.redis, s.keys, BEARER_BUDGET);

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (req, reply) => {
    const redis = await withTimeout(s.redis.ping(), 2_000, 'Redis').then(
      () => ({ ok: true }),
      (e: Error) => ({ ok: false, error: e.message }),
    );
    const body: Record<string, unknown> = { status: redis.ok ? 'ready' : 'unavailable' };
    // Only an editor learns why: an anonymous prober gets up or down. With the store down
    // the token budget cannot be read: the token alone decides, and unlocks only the store's error.
    const token = bearerToken(req);
    const editor =
      token !== undefined &&
      (redis.ok ? (await auth.bearer(req).catch(() => ({ kind: 'refused' }) as const)).kind === 'accepted' : auth.isEditorToken(token));
    if (editor) {
      body.checks = { redis };
      // What the workers' heartbeats say of the relay (informational: the API itself sends no mail).
      if (redis.ok) body.smtp = smtpSummary(await registry.live().catch(() => []));
    }
    return reply.code(redis.ok ? 200 : 503).send(body);
  });

  app.get('/api/status', { preValidation: auth.requireToken, schema: dispatchRouteSchemas(apiSchemasFor(s.config), s.config.topics).status }, async () => ({ workers: await registry.live() }));

  // Public only where config allows it: in production METRICS_TOKEN is required unless METRICS_PUBLIC=true.
  app.get('/metrics', async (req, reply) => {
    if (metricsToken) {
      const token = bearerToken(req);
      const right = token !== undefined && tokenMatches(token, metricsToken);
      // Metrics matter most while the store is down: then the budget cannot be counted and the token alone decides.
      const verdict: TokenVerdict =
        token === undefined ? { kind: 'refused' } : await metricsAttempts.judge(req.ip, right).catch(() => ({ kind: right ? 'accepted' : 'refused' }) as const);
      if (verdict.kind === 'throttled') {
        reply.header('Retry-After', String(verdict.retryAfterSec));
        throw new HttpError(429, 'AUTH_THROTTLED', 'Too many wrong tokens from here. Try again later.');
      }
      if (verdict.kind === 'refused') {
        return reply.code(401).send({ error: { code: 'UNAUTHORIZED', message: 'A metrics token is required.' } });
      }
    }
    return reply.type(s.metrics.registry.contentType).send(await s.metrics.registry.metrics());
  });
};

export default healthRoutes;
