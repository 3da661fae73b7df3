import { resolve } from 'node:path';
import { configFromProcess, ConfigError } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
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
  const logger = createLogger(config.logLevel, undefined, { pretty: !config.production && process.stdout.isTTY === true });
  // `npm start` with nothing on the local Redis port: one for this process, if redis-server is installed.
  const localRedis = role === 'start' ? await (await import('./localRedis.ts')).startLocalRedisIfNeeded(config, logger) : undefined;
  try {
    await preflight(config, logger);
  } catch {
    process.exit(1);
  }
  // One registry per process: with both roles here, one /metrics holds the workers' counters too.
  const metrics = createMetrics({ defaults: true });
  // Each role is its own composition root, loaded only where it runs: a worker never loads
  // Fastify, the admin UI or Bull Board, and the API never loads the workers or a mailer.
  const api = role !== 'worker' ? await (await import('../src/server.ts')).startApi(config, logger, { metrics }) : undefined;
  const workers = role !== 'api' ? await (await import('../workers/index.ts')).startWorkers(config, logger, { metrics }) : undefined;
  // An API on its own counts the relay webhooks' feedback: that goes into the ops series too (with
  // the workers here, their sampler reads the shared counters already).
  const apiSampler =
    role === 'api' && api
      ? (await import('../src/ops/sampler.ts')).startSeriesSampler({
          series: (await import('../src/ops/series.ts')).createOpsSeries(api.services.redis, api.services.keys),
          counters: [(await import('../src/ops/sampler.ts')).feedbackSource(metrics)],
          logger,
        })
      : undefined;
  // A worker on its own serves its counters itself; with the API here, its /metrics holds them.
  const workerMetrics =
    role === 'worker' && config.http.workerPort
      ? await (await import('../workers/metricsServer.ts'))
          .startWorkerMetricsServer({ host: config.http.host, port: config.http.workerPort, metrics, token: config.metricsToken, logger })
          // A second worker on one host with the same port still sends mail; it says why it has no /metrics.
          .catch((e: Error) => logger.error({ code: 'WORKER_PORT_UNAVAILABLE', port: config.http.workerPort, err: e.message }, 'worker metrics not served: set WORKER_PORT per worker (0 turns it off)'))
      : undefined;
  logger.info(
    { role, mail: config.mail.smtpUrl ? 'smtp' : 'outbox', url: config.http.publicUrl, topics: config.topics.length },
    role === 'worker' ? 'briefwire workers running' : `briefwire listening on ${config.http.host}:${config.http.port}`,
  );
  if (api && !config.production) {
    const base = config.http.publicUrl;
    const where = {
      signup: `${base}/subscribe`,
      admin: `${base}/admin`,
      ...(config.editorTokens.includes('dev-editor-token') ? { devToken: 'dev-editor-token' } : {}),
      ...(config.mail.smtpUrl ? {} : { outbox: resolve(config.mail.outboxDir) }),
    };
    // On a terminal, plain lines to click; in JSON logs, one line with the same fields.
    if (process.stdout.isTTY) {
      process.stdout.write(
        [
          '',
          `  Signup page:  ${where.signup}`,
          `  Editor desk:  ${where.admin}${where.devToken ? `   (token: ${where.devToken})` : ''}`,
          ...(where.outbox ? [`  Mail goes to: ${where.outbox}/ (.eml files; SMTP_URL is unset)`] : []),
          '',
          '',
        ].join('\n'),
      );
    } else {
      logger.info(where, 'where to click');
    }
  }
  onShutdown(logger, config.shutdownGraceMs, [
    async () => {
      await apiSampler?.stop();
      await api?.app.close();
    },
    async () => {
      await workers?.close();
      await workerMetrics?.close();
    },
    async () => {
      await api?.services.close();
      await localRedis?.stop();
    },
  ]);
}
