import type { Worker } from 'bullmq';
import { createRedis } from '../src/redis/connection.ts';
import { createStores, type Services } from '../src/services.ts';
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

export interface RunningWorkers {
  workers: Worker[];
  /** Two steps: stop taking work and let in-flight sends finish (bounded by the grace period), then close. */
  close(): Promise<void>;
}

/** Starts every worker of this process on its own (blocking-safe) Redis connection. */
export async function startWorkers(s: Services): Promise<RunningWorkers> {
  // BullMQ's connection, and one for the stores; unlike the API's, both ride out a Redis restart.
  const connection = createRedis(s.config, 'worker', 'briefwire-worker');
  const storeConnection = createRedis(s.config, 'worker', 'briefwire-worker-store');
  // The relay blocks on the outbox stream: a connection of its own.
  const relayConnection = createRedis(s.config, 'worker', 'briefwire-confirm-relay');
  for (const c of [connection, storeConnection, relayConnection]) c.on('error', (err) => s.logger.warn({ err: err.message }, 'worker redis connection error'));
  let confirmation: Promise<ConfirmationEmail> | undefined;
  const loadConfirmation = () =>
    (confirmation ??= loadConfirmationEmail({
      templatesDir: s.templatesDir,
      listName: s.config.mail.listName,
      postalAddress: s.config.mail.postalAddress,
      tokenTtlSec: s.config.signup.confirmTokenTtlSec,
    }));
  const state = { stopping: false };
  const common = { config: s.config, logger: s.logger, metrics: s.metrics, keys: s.keys, mailer: s.mailer };
  // Bulk sends get a pool of their own: a confirmation never queues behind a dispatch's messages.
  const bulkMailer = s.mailer.kind === 'smtp' ? createMailer(s.config, s.logger) : s.mailer;
  const stores = createStores(storeConnection, s.keys, s.config);
  const { subscribers, dispatches, briefs } = stores;
  const workers: Worker[] = [
    startMailWorker(
      { ...common, ...stores, redis: storeConnection, mailLane: s.mailLane, confirmation: loadConfirmation, templatesDir: s.templatesDir },
      connection,
      s.queues.mail.name,
    ),
    startDispatchWorker(
      { ...common, redis: storeConnection, briefs, dispatches, deliverQueue: s.queues.deliver, templatesDir: s.templatesDir },
      connection,
      s.queues.dispatch.name,
    ),
    startDeliverWorker(
      {
        ...common,
        mailer: bulkMailer,
        dispatches,
        policy: createFeedbackPolicy({ subscribers }),
        linkTokens: s.linkTokens,
        deliverQueue: s.queues.deliver,
        sendRate: createSendRateLimiter(storeConnection, s.keys, s.config.dispatch.sendRate),
      },
      connection,
      s.queues.deliver.name,
      state,
    ),
  ];
  // The feed watcher runs only where feeds are configured; upserting the schedulers is idempotent across processes.
  if (s.config.feed.urls.length) {
    await scheduleFeedPolls(s.queues.feed, s.config);
    workers.push(
      startFeedWorker({ ...common, redis: storeConnection, briefs, dispatchControl: s.dispatchControl, mailQueue: s.queues.mail }, connection, s.queues.feed.name),
    );
  }
  const heartbeat = startHeartbeat({ registry: createWorkerRegistry(storeConnection, s.keys), logger: s.logger, transactional: s.mailer, bulk: bulkMailer });
  const relay = startConfirmationRelay({ redis: relayConnection, outbox: s.keys.confirmOutbox, queue: s.queues.mail, logger: s.logger });
  for (const w of workers) {
    w.on('failed', (job, err) => {
      s.metrics.jobs.inc({ queue: w.name, result: 'failed' });
      s.logger.warn({ queue: w.name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed');
    });
    w.on('completed', () => s.metrics.jobs.inc({ queue: w.name, result: 'completed' }));
    w.on('stalled', (jobId) => {
      s.metrics.jobs.inc({ queue: w.name, result: 'stalled' });
      s.logger.error({ queue: w.name, jobId }, 'job stalled: a worker died or blocked; it will run again');
    });
    w.on('error', (err) => s.logger.error({ queue: w.name, err: err.message }, 'worker error'));
  }
  return {
    workers,
    async close() {
      state.stopping = true;
      await relay.close();
      const finished = Promise.all(workers.map((w) => w.close()));
      const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
      await Promise.race([finished, wait(s.config.shutdownGraceMs)]);
      // Past the grace period, sends still waiting on the relay are cut: one whose message was all
      // out is recorded uncertain (never sent again), one cut earlier is released for a later run.
      // The send loops record those outcomes, so Redis stays up a moment longer.
      if (bulkMailer !== s.mailer) await bulkMailer.close();
      await Promise.race([finished, wait(2_000)]);
      await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      await heartbeat.stop();
      connection.disconnect();
      storeConnection.disconnect();
    },
  };
}
