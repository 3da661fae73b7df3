import type { Config } from '../config.ts';
import type { DispatchStore } from '../dispatch/store.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import { createDispatchFeedbackCounts } from './dispatchCounts.ts';
import { createFeedbackIntake, type FeedbackIntake } from './intake.ts';
import { createFeedbackPolicy, type FeedbackPolicy } from './policy.ts';
import { createReaderFinder } from './readers.ts';
import { createRedisReplayGuard } from './redisReplayGuard.ts';
import { createSoftBounceCounter } from './softBounces.ts';
import { createVerp, type Verp } from './verp.ts';
import type { ReplayGuard } from './webhooks/replayGuard.ts';

export interface Feedback {
  /** Null without BOUNCE_ADDRESS: envelope senders stay as they are. */
  verp: Verp | null;
  policy: FeedbackPolicy;
  intake: FeedbackIntake;
  replayGuard: ReplayGuard;
}

/**
 * The feedback pieces both roles build the same way (the API for webhooks,
 * the workers for the deliverer and the bounce inbox), on the caller's
 * connection and stores.
 */
export function createFeedback(deps: {
  config: Config;
  keys: Keyspace;
  redis: RedisClient;
  subscribers: SubscriberStore;
  dispatches: DispatchStore;
  metrics: Metrics;
  logger: Logger;
}): Feedback {
  const { config, keys, redis, metrics, logger } = deps;
  const f = config.feedback;
  const verp = f.bounceAddress ? createVerp(config.secretKey, f.bounceAddress) : null;
  const softBounces = createSoftBounceCounter(redis, keys, { limit: f.softBounceLimit, windowDays: f.softBounceDays });
  const policy = createFeedbackPolicy({ subscribers: deps.subscribers, softBounces, metrics });
  const intake = createFeedbackIntake({
    redis,
    keys,
    readers: createReaderFinder({ subscribers: deps.subscribers, dispatches: deps.dispatches, verp }),
    policy,
    counts: createDispatchFeedbackCounts(redis, keys, { rate: f.complaintPauseRate, minSent: f.complaintPauseMinSent }),
    metrics,
    logger,
  });
  return { verp, policy, intake, replayGuard: createRedisReplayGuard(redis, keys) };
}
