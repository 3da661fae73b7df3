import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';
import type { Dispatch } from './dispatch/model.ts';
import { FEEDBACK_KINDS, FEEDBACK_SOURCES, FEEDBACK_UNUSED } from './feedback/policy.ts';

/**
 * Prometheus metrics. One registry per process (not prom-client's global), so
 * tests can build many apps side by side. Queue depth is read at scrape time.
 */
/** Every outcome a send can have, per lane (the SMTP failure classes, plus the ledger's suppressed and expired for bulk). */
const EMAIL_OUTCOMES = {
  bulk: ['sent', 'suppressed', 'expired', 'transient', 'throttled', 'bounce', 'refused', 'uncertain'],
  transactional: ['sent', 'transient', 'throttled', 'bounce', 'refused', 'uncertain'],
} as const;
const SIGNUP_OUTCOMES = ['accepted', 'confirmed', 'invalid', 'rate_limited', 'honeypot'] as const;
const JOB_RESULTS = ['completed', 'failed', 'stalled'] as const;

export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'briefwire_' });
  const queues: Queue[] = [];
  let recentDispatches: (() => Promise<Dispatch[]>) | undefined;
  const m = {
    registry,
    signups: new Counter({ name: 'briefwire_signups_total', help: 'Signup attempts by outcome', labelNames: ['outcome'], registers: [registry] }),
    rateLimited: new Counter({ name: 'briefwire_rate_limited_total', help: 'Requests refused by a rate limit', labelNames: ['limit'], registers: [registry] }),
    unsubscribes: new Counter({ name: 'briefwire_unsubscribes_total', help: 'Unsubscribes', registers: [registry] }),
    emails: new Counter({
      name: 'briefwire_emails_total',
      help: 'Emails by lane and outcome (sent, or the failure class)',
      labelNames: ['lane', 'outcome'],
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: 'briefwire_send_seconds',
      help: 'Time for one SMTP send',
      labelNames: ['lane'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    publishToAccept: new Histogram({
      name: 'briefwire_publish_to_accept_seconds',
      help: 'From a dispatch being due (created, or its scheduled time) to the relay accepting one copy, by priority (breaking, normal, digest); a copy held for quiet hours counts its wait',
      labelNames: ['priority'],
      buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600],
      registers: [registry],
    }),
    feedback: new Counter({
      name: 'briefwire_feedback_total',
      help: 'Bounces, complaints, unsubscribes and deliveries reported back, by source (smtp, dsn, arf, or the relay) and kind',
      labelNames: ['source', 'kind'],
      registers: [registry],
    }),
    feedbackUnused: new Counter({
      name: 'briefwire_feedback_unused_total',
      help: 'Bounce messages and webhook events that changed nothing, by reason (unreadable and no-reader messages are kept for an operator)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    jobs: new Counter({ name: 'briefwire_jobs_total', help: 'Jobs finished by queue and result', labelNames: ['queue', 'result'], registers: [registry] }),
    queueDepth: new Gauge({
      name: 'briefwire_queue_jobs',
      help: 'Jobs per queue and state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        for (const q of queues) {
          try {
            const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
          } catch {
            // Redis down: the gauge keeps its last value; /readyz says why.
          }
        }
      },
    }),
    dispatchRecipients: new Gauge({
      name: 'briefwire_dispatch_recipients',
      help: 'Recipients of the 20 most recent dispatches by outcome (total = planned audience; bounced and complained are reported back, and counted within the others too)',
      labelNames: ['dispatch', 'state'],
      registers: [registry],
      async collect() {
        if (!recentDispatches) return;
        try {
          const list = await recentDispatches();
          this.reset();
          for (const d of list) {
            for (const state of ['total', 'sent', 'failed', 'suppressed', 'uncertain', 'expired', 'bounced', 'complained'] as const) this.set({ dispatch: d.id, state }, d[state]);
          }
        } catch {
          // Redis down: keep the last values, as for queue depth.
        }
      },
    }),
    /** Where the dispatch progress gauge reads from at scrape time. */
    watchDispatches(source: () => Promise<Dispatch[]>) {
      recentDispatches = source;
    },
    watchQueues(list: Queue[]) {
      queues.push(...list);
    },
    /** The queues this process works on: their job counters exist from the start, at 0. */
    countJobsOf(names: readonly string[]) {
      for (const queue of names) for (const result of JOB_RESULTS) m.jobs.inc({ queue, result }, 0);
    },
  };
  // Every series from the start, at 0: a rate over a series that appears only with its first bounce reads nothing.
  for (const source of FEEDBACK_SOURCES) for (const kind of FEEDBACK_KINDS) m.feedback.inc({ source, kind }, 0);
  for (const reason of FEEDBACK_UNUSED) m.feedbackUnused.inc({ reason }, 0);
  for (const lane of ['bulk', 'transactional'] as const) for (const outcome of EMAIL_OUTCOMES[lane]) m.emails.inc({ lane, outcome }, 0);
  for (const outcome of SIGNUP_OUTCOMES) m.signups.inc({ outcome }, 0);
  for (const limit of ['ip', 'global'] as const) m.rateLimited.inc({ limit }, 0);
  m.unsubscribes.inc(0);
  for (const priority of ['breaking', 'normal', 'digest']) m.publishToAccept.zero({ priority });
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;
