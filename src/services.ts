import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createRedis, type RedisClient } from './redis/connection.ts';
import { keyspace, type Keyspace } from './redis/keys.ts';
import { createQueues, queueNames, type Queues } from './queue/queues.ts';
import { createSubscriberStore, type SubscriberStore } from './subscribers/store.ts';
import { createConfirmTokens, createLinkTokens, type ConfirmTokens, type LinkTokens } from './subscribers/tokens.ts';
import { createSignupLimits, type SignupLimits } from './subscribers/limits.ts';
import { createMailLane, type MailLane } from './queue/mailLane.ts';
import type { Mailer } from './mail/mailer.ts';
import { createMailer } from './mail/createMailer.ts';
import { createBriefStore, type BriefStore } from './briefs/store.ts';
import { createDispatchStore, type DispatchStore } from './dispatch/store.ts';
import { createDispatchControl, type DispatchControl } from './dispatch/control.ts';

export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

/**
 * Everything the API and the workers share, wired once per process by its
 * composition root. Each field is a small owned interface at an I/O edge.
 */
export interface Services {
  config: Config;
  logger: Logger;
  keys: Keyspace;
  /** The API's connection: fails fast so requests answer 503 rather than hang. */
  redis: RedisClient;
  queues: Queues;
  metrics: Metrics;
  subscribers: SubscriberStore;
  confirmTokens: ConfirmTokens;
  linkTokens: LinkTokens;
  signupLimits: SignupLimits;
  mailLane: MailLane;
  mailer: Mailer;
  briefs: BriefStore;
  dispatches: DispatchStore;
  dispatchControl: DispatchControl;
  templatesDir: string;
  close(): Promise<void>;
}

export interface ServiceOptions {
  /** Suffix for queue names, so tests get queues of their own. */
  queueSuffix?: string;
  mailer?: Mailer;
  defaultMetrics?: boolean;
  redis?: RedisClient;
}

/** The Redis-backed stores, on whichever connection the caller's role needs. */
export function createStores(redis: RedisClient, keys: Keyspace, config: Config) {
  return {
    subscribers: createSubscriberStore(redis, keys),
    briefs: createBriefStore(redis, keys, config),
    dispatches: createDispatchStore(redis, keys),
    confirmTokens: createConfirmTokens(redis, keys, config.signup.confirmTokenTtlSec),
    signupLimits: createSignupLimits(redis, keys, {
      perIpPerHour: config.signup.limitPerIpPerHour,
      globalPerMinute: config.signup.limitGlobalPerMinute,
      confirmWindowSec: config.signup.confirmResendWindowSec,
    }),
  };
}

export function createServices(config: Config, logger: Logger, opts: ServiceOptions = {}): Services {
  const keys = keyspace(config.redis.prefix);
  const redis = opts.redis ?? createRedis(config, 'api');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createQueues(redis, keys, queueNames(opts.queueSuffix));
  for (const q of queues.all()) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue connection error'));
  const metrics = createMetrics({ defaults: opts.defaultMetrics });
  metrics.watchQueues(queues.all());
  const mailer = opts.mailer ?? createMailer(config, logger);
  const stores = createStores(redis, keys, config);
  const { subscribers, briefs, dispatches } = stores;
  return {
    config,
    logger,
    keys,
    redis,
    queues,
    metrics,
    ...stores,
    linkTokens: createLinkTokens(config.secretKey),
    mailLane: createMailLane(queues.mail, redis, keys),
    mailer,
    dispatchControl: createDispatchControl({ config, keys, redis, queues, briefs, dispatches, subscribers }),
    templatesDir: TEMPLATES_DIR,
    async close() {
      await queues.close();
      await mailer.close();
      if (!opts.redis) redis.disconnect();
    },
  };
}
