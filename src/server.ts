import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { buildApp } from './app.ts';
import { createApiServices, type ApiServiceOptions, type ApiServices } from './http/services.ts';

const REDIS_WAIT_MS = 5_000;

export interface RunningApi {
  app: FastifyInstance;
  services: ApiServices;
  close(): Promise<void>;
}

/** The API's composition root: wires its services, builds the app, and listens on the configured host and port. */
export async function startApi(config: Config, logger: Logger, opts: ApiServiceOptions = {}): Promise<RunningApi> {
  const services = createApiServices(config, logger, opts);
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
  await app.listen({ port: config.http.port, host: config.http.host });
  return {
    app,
    services,
    async close() {
      await app.close();
      await services.close();
    },
  };
}
