import { configFromProcess, ConfigError } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createServices } from '../src/services.ts';
import { onShutdown, preflight } from '../src/lifecycle.ts';

/** The composition root of a briefwire process: the API, the workers, or both. */
export async function runProcess(role: 'start' | 'api' | 'worker'): Promise<void> {
  let config;
  try {
    config = configFromProcess();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const services = createServices(config, logger, { defaultMetrics: true });
  try {
    await preflight(config, logger, services.redis);
  } catch {
    process.exit(1);
  }
  // Each half is loaded only where it runs: a worker never loads Fastify, the
  // admin UI or Bull Board, and the API never loads the workers.
  const api = role !== 'worker' ? await (await import('../src/server.ts')).startApi(services) : undefined;
  const workers = role !== 'api' ? await (await import('../workers/index.ts')).startWorkers(services) : undefined;
  logger.info(
    { role, mail: services.mailer.kind, url: config.http.publicUrl, topics: config.topics.length },
    role === 'worker' ? 'briefwire workers running' : `briefwire listening on ${config.http.host}:${config.http.port}`,
  );
  onShutdown(logger, config.shutdownGraceMs, [
    async () => {
      await api?.close();
    },
    async () => {
      await workers?.close();
    },
    () => services.close(),
  ]);
}
