import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Services } from './services.ts';

/** Starts the HTTP API on the configured host and port. */
export async function startApi(services: Services): Promise<FastifyInstance> {
  const app = await buildApp(services);
  await app.listen({ port: services.config.http.port, host: services.config.http.host });
  return app;
}
