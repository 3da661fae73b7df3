import type { Worker } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import { createMetrics, type Metrics } from '../src/metrics.ts';
import { createRedis } from '../src/redis/connection.ts';
import { keyspace } from '../src/redis/keys.ts';
import { createQueues, queueNames } from '../src/queue/queues.ts';
import { createMailLane } from '../src/queue/mailLane.ts';
import { createLinkTokens } from '../src/subscribers/tokens.ts';
import { DEFAULT_TEMPLATES_DIR } from '../src/briefs/templates.ts';
import type { Mailer } from '../src/mail/mailer.ts';
import { createStores } from '../src/stores.ts';
import { loadConfirmationEmail, type ConfirmationEmail } from '../src/subscribers/confirmationEmail.ts';
import { createMailer } from '../src/mail/createMailer.ts';
import { createSendRateLimiter } from '../src/dispatch/sendRate.ts';
import { createFeedback } from '../src/feedback/services.ts';
import { startFeedbackInbound } from '../src/feedback/inboundService.ts';
import { startMailWorker } from './mailWorker.ts';
import { startDispatchWorker } from './dispatchWorker.ts';
import { startDeliverWorker } from './deliverWorker.ts';
import { startFeedWorker } from './feedWorker.ts';
import { startConfirmationRelay } from './confirmationRelay.ts';
import { scheduleFeedPolls } from '../src/feed/schedule.ts';
import { createWorkerRegistry } from '../src/ops/workerRegistry.ts';
import { startHeartbeat } from './heartbeat.ts';
import { startOpsSampler } from './opsSampler.ts';
import { createOpsSeries } from '../src/ops/series.ts';
import { startMaintenance } from './maintenance.ts';
import { startDigestWorker } from './digestWorker.ts';
import { createDigestQueue, scheduleDigestRuns } from '../src/digests/queue.ts';

export interface RunningWorkers {
  workers: Worker[];
  /** The bounce listener's port, when BOUNCE_SMTP_PORT runs one. */
  bounceSmtpPort?: number;
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
  /** The clock of planning and digest runs (quiet hours, digest hours); tests pass their own. */
  clock?: () => Date;
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
  const digestQueue = createDigestQueue(storeConnection, keys, opts.queueSuffix);
  digestQueue.on('error', (err) => logger.warn({ queue: digestQueue.name, err: err.message }, 'queue connection error'));
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
  const feedback = createFeedback({ config, keys, redis: storeConnection, subscribers, dispatches, metrics, logger });
  // Before any job runs: a bounce port that cannot be bound fails the start.
  const inbound = await startFeedbackInbound({
    config,
    keys,
    redis: storeConnection,
    connect: () => {
      const c = createRedis(config, 'worker', 'briefwire-feedback-inbox');
      c.on('error', (err) => logger.warn({ err: err.message }, 'feedback inbox redis connection error'));
      return c;
    },
    intake: feedback.intake,
    logger,
  });
  const bounceAddress = feedback.verp ? { bounceAddress: feedback.verp.bounceAddress } : {};
  const workers: Worker[] = [
    startMailWorker(
      { ...common, ...stores, ...bounceAddress, redis: storeConnection, mailLane: createMailLane(queues.mail, storeConnection, keys), confirmation: loadConfirmation, templatesDir: DEFAULT_TEMPLATES_DIR },
      connection,
      queues.mail.name,
    ),
    startDispatchWorker(
      { ...common, redis: storeConnection, briefs, compiledBriefs: stores.compiledBriefs, dispatches, deliverQueue: queues.deliver, templatesDir: DEFAULT_TEMPLATES_DIR, now: opts.clock },
      connection,
      queues.dispatch.name,
    ),
    startDigestWorker({ ...common, redis: storeConnection, briefs, dispatches, deliverQueue: queues.deliver, now: opts.clock }, connection, digestQueue.name),
    startDeliverWorker(
      {
        ...common,
        mailer: bulkMailer,
        dispatches,
        policy: feedback.policy,
        verp: feedback.verp,
        linkTokens,
        deliverQueue: queues.deliver,
        sendRate: createSendRateLimiter(storeConnection, keys, config.dispatch.sendRate),
      },
      connection,
      queues.deliver.name,
      state,
    ),
  ];
  // Upserting the digest scheduler is idempotent across processes: one `due` run every 15 minutes.
  await scheduleDigestRuns(digestQueue);
  // The feed watcher runs only where feeds are configured; upserting the schedulers is idempotent across processes.
  if (config.feed.urls.length) {
    await scheduleFeedPolls(queues.feed, config);
    // Dispatch control brings the planner and the brief compiler: only a feed watcher needs them here.
    const { createDispatchControl } = await import('../src/dispatch/control.ts');
    const dispatchControl = createDispatchControl({ config, keys, redis: storeConnection, queues, ...stores });
    workers.push(
      startFeedWorker({ ...common, redis: storeConnection, briefs, dispatchControl, mailQueue: queues.mail }, connection, queues.feed.name),
    );
  }
  const heartbeat = startHeartbeat({ registry: createWorkerRegistry(storeConnection, keys), logger, transactional: mailer, bulk: bulkMailer });
  const opsSampler = startOpsSampler({ series: createOpsSeries(storeConnection, keys), metrics, queues, dispatches, logger });
  const maintenance = startMaintenance({ config, logger, redis: storeConnection, keys, subscribers });
  const relay = startConfirmationRelay({ redis: relayConnection, stream: keys.confirmationStream, queue: queues.mail, logger });
  metrics.countJobsOf(workers.map((w) => w.name));
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
    ...(inbound?.smtpPort ? { bounceSmtpPort: inbound.smtpPort } : {}),
    async close() {
      state.stopping = true;
      maintenance.stop();
      // The bounce listener stops taking mail and the inbox consumer finishes its entry, while Redis is still up.
      await inbound?.close();
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
      await opsSampler.stop();
      await mailer.close();
      await queues.close();
      await digestQueue.close();
      connection.disconnect();
      storeConnection.disconnect();
    },
  };
}
