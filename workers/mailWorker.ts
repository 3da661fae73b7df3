import { UnrecoverableError, Worker } from 'bullmq';
import type { MailJob } from '../src/queue/queues.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import { PermanentMailError } from '../src/mail/transactional.ts';
import type { ConfirmationDeps } from '../src/subscribers/confirmationSender.ts';
import type { TestCopyDeps } from '../src/dispatch/testCopies.ts';
import type { FeedNoticeDeps } from '../src/feed/notice.ts';

/** What the transactional lane's jobs need between them. */
export type MailWorkerDeps = ConfirmationDeps & TestCopyDeps & FeedNoticeDeps;

/** The transactional lane: its own queue and worker, so a bulk send never delays a confirmation. */
export function startMailWorker(deps: MailWorkerDeps, connection: RedisClient, queueName: string): Worker<MailJob> {
  return new Worker<MailJob>(
    queueName,
    async (job) => {
      // Each kind's code loads with its first job: test copies compile briefs (Markdown, templates),
      // which an idle worker should not hold. A failed load fails the job, which says why and retries.
      try {
        if (job.data.kind === 'confirm') return await (await import('../src/subscribers/confirmationSender.ts')).sendConfirmation(deps, job.data.subscriberId, { id: job.id ?? `confirm-${job.data.subscriberId}`, firstAttempt: job.attemptsMade === 0 });
        if (job.data.kind === 'feed-notice') return await (await import('../src/feed/notice.ts')).sendFeedNotice(deps, job.data.briefId);
        if (job.data.kind === 'feed-backlog') return await (await import('../src/feed/notice.ts')).sendFeedBacklogNotice(deps, { jobId: job.id ?? job.data.feedId, feedId: job.data.feedId, waiting: job.data.waiting });
        return await (await import('../src/dispatch/testCopies.ts')).sendTestCopies(deps, job.data.requestId);
      } catch (e) {
        if (e instanceof PermanentMailError) throw new UnrecoverableError(e.message);
        throw e;
      }
    },
    {
      connection,
      prefix: deps.keys.queuePrefix,
      lockDuration: deps.config.dispatch.jobLockMs,
      stalledInterval: deps.config.dispatch.jobLockMs,
      concurrency: 10,
    },
  );
}
