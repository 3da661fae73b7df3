import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Services } from './services.ts';

const REDIS_WAIT_MS = 5_000;

/** Starts the HTTP API on the configured host and port. */
export async function startApi(services: Services): Promise<FastifyInstance> {
  const app = await buildApp(services);
  // The API's Redis connection fails fast, so wait for it briefly before serving: a request in the
  // first milliseconds would otherwise get a 503. Redis still down after that: start anyway
  // (requests answer 503 STORE_UNAVAILABLE, /readyz says why).
  if (services.redis.status !== 'ready') {
    const timer = new AbortController();
    await Promise.race([
      once(services.redis, 'ready', { signal: timer.signal }).catch(() => undefined),
      new Promise((r) => setTimeout(r, REDIS_WAIT_MS).unref()),
    ]);
    timer.abort();
  }
  await app.listen({ port: services.config.http.port, host: services.config.http.host });
  return app;
}
