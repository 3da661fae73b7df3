import type { Worker } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import { createMetrics, type Metrics } from '../src/metrics.ts';
import { createRedis } from '../src/redis/connection.ts';
import { keyspace } from '../src/redis/keys.ts';
import { createQueues, queueNames } from '../src/queue/queues.ts';
import { createMailLane } from '../src/queue/mailLane.ts';
import { createLinkTokens } from '../src/subscribers/tokens.ts';
import { createDispatchControl } from '../src/dispatch/control.ts';
import { DEFAULT_TEMPLATES_DIR } from '../src/briefs/templates.ts';
import type { Mailer } from '../src/mail/mailer.ts';
import { createStores } from '../src/stores.ts';
import { loadConfirmationEmail, type ConfirmationEmail } from '../src/subscribers/confirmationEmail.ts';
import { createMailer } from '../src/mail/createMailer.ts';
import { createSendRateLimiter } from '../src/dispatch/sendRate.ts';
import { createFeedbackPolicy } from '../src/feedback/policy.ts';
import { startMailWorker } from './mailWorker.ts';
import { startDispatchWorker } from './dispatchWorker.ts';
import { startDeliverWorker } from './deliverWorker.ts';
import { startFeedWorker } from './feedWorker.ts';
import { startConfirmationRelay } from './confirmationRelay.ts';
import { scheduleFeedPolls } from '../src/feed/schedule.ts';
import { createWorkerRegistry } from '../src/ops/workerRegistry.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startMaintenance } from './maintenance.ts';

export interface RunningWorkers {
  workers: Worker[];
  /** The transactional pool (confirmations, test copies, feed notices); bulk sends have their own. */
  mailer: Mailer;
  /** Two steps: stop taking work and let in-flight sends finish (bounded by the grace period), then close. */
  close(): Promise<void>;
}

export interface WorkerOptions {
  /** Suffix for queue names, so tests get queues of their own. */
  queueSuffix?: string;
  /** One registry per process: `npm start` shares the API's, so one /metrics holds everything. */
  metrics?: Metrics;
}

/**
 * The workers' composition root: every connection, queue, store and mailer a
 * worker process uses is built here, on connections that ride out a Redis
 * restart (unlike the API's, which fail fast).
 */
export async function startWorkers(config: Config, logger: Logger, opts: WorkerOptions = {}): Promise<RunningWorkers> {
  const keys = keyspace(config.redis.prefix);
  const metrics = opts.metrics ?? createMetrics();
  // BullMQ's blocking connection, and one for the stores and queue producers.
  const connection = createRedis(config, 'worker', 'briefwire-worker');
  const storeConnection = createRedis(config, 'worker', 'briefwire-worker-store');
  // The relay blocks on the confirmation stream: a connection of its own.
  const relayConnection = createRedis(config, 'worker', 'briefwire-confirm-relay');
  for (const c of [connection, storeConnection, relayConnection]) c.on('error', (err) => logger.warn({ err: err.message }, 'worker redis connection error'));
  const queues = createQueues(storeConnection, keys, queueNames(opts.queueSuffix));
  for (const q of queues.all()) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue connection error'));
  const linkTokens = createLinkTokens(config.secretKey);
  const mailer = createMailer(config, logger);
  let confirmation: Promise<ConfirmationEmail> | undefined;
  const loadConfirmation = () =>
    (confirmation ??= loadConfirmationEmail({
      templatesDir: DEFAULT_TEMPLATES_DIR,
      listName: config.mail.listName,
      postalAddress: config.mail.postalAddress,
      tokenTtlSec: config.signup.confirmTokenTtlSec,
    }));
  const state = { stopping: false };
  const common = { config, logger, metrics, keys, mailer };
  // Bulk sends get a pool of their own: a confirmation never queues behind a dispatch's messages.
  const bulkMailer = mailer.kind === 'smtp' ? createMailer(config, logger) : mailer;
  const stores = createStores(storeConnection, keys, config);
  const { subscribers, dispatches, briefs } = stores;
  const workers: Worker[] = [
    startMailWorker(
      { ...common, ...stores, redis: storeConnection, mailLane: createMailLane(queues.mail, storeConnection, keys), confirmation: loadConfirmation, templatesDir: DEFAULT_TEMPLATES_DIR },
      connection,
      queues.mail.name,
    ),
    startDispatchWorker(
      { ...common, redis: storeConnection, briefs, dispatches, deliverQueue: queues.deliver, templatesDir: DEFAULT_TEMPLATES_DIR },
      connection,
      queues.dispatch.name,
    ),
    startDeliverWorker(
      {
        ...common,
        mailer: bulkMailer,
        dispatches,
        policy: createFeedbackPolicy({ subscribers }),
        linkTokens,
        deliverQueue: queues.deliver,
        sendRate: createSendRateLimiter(storeConnection, keys, config.dispatch.sendRate),
      },
      connection,
      queues.deliver.name,
      state,
    ),
  ];
  // The feed watcher runs only where feeds are configured; upserting the schedulers is idempotent across processes.
  if (config.feed.urls.length) {
    await scheduleFeedPolls(queues.feed, config);
    const dispatchControl = createDispatchControl({ config, keys, redis: storeConnection, queues, ...stores });
    workers.push(
      startFeedWorker({ ...common, redis: storeConnection, briefs, dispatchControl, mailQueue: queues.mail }, connection, queues.feed.name),
    );
  }
  const heartbeat = startHeartbeat({ registry: createWorkerRegistry(storeConnection, keys), logger, transactional: mailer, bulk: bulkMailer });
  const maintenance = startMaintenance({ config, logger, redis: storeConnection, keys, subscribers });
  const relay = startConfirmationRelay({ redis: relayConnection, stream: keys.confirmationStream, queue: queues.mail, logger });
  for (const w of workers) {
    w.on('failed', (job, err) => {
      metrics.jobs.inc({ queue: w.name, result: 'failed' });
      logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('completed', () => metrics.jobs.inc({ queue: w.name, result: 'completed' }));
    w.on('stalled', (jobId) => {
      metrics.jobs.inc({ queue: w.name, result: 'stalled' });
      logger.error({ queue: w.name, jobId }, 'job stalled: a worker died or blocked; it will run again');
    });
    w.on('error', (err) => logger.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers,
    mailer,
    async close() {
      state.stopping = true;
      maintenance.stop();
      await relay.close();
      const finished = Promise.all(workers.map((w) => w.close()));
      const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
      await Promise.race([finished, wait(config.shutdownGraceMs)]);
      // Past the grace period, sends still waiting on the relay are cut: one whose message was all
      // out is recorded uncertain (never sent again), one cut earlier is released for a later run.
      // The send loops record those outcomes, so Redis stays up a moment longer.
      if (bulkMailer !== mailer) await bulkMailer.close();
      await Promise.race([finished, wait(2_000)]);
      await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      await heartbeat.stop();
      await mailer.close();
      await queues.close();
      connection.disconnect();
      storeConnection.disconnect();
    },
  };
}
