import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { createRedis, type RedisClient } from '../redis/connection.ts';
import { keyspace, type Keyspace } from '../redis/keys.ts';
import { createQueues, queueNames, type Queues } from '../queue/queues.ts';
import { createMailLane, type MailLane } from '../queue/mailLane.ts';
import { createLinkTokens, type LinkTokens } from '../subscribers/tokens.ts';
import { createDispatchControl, type DispatchControl } from '../dispatch/control.ts';
import { DEFAULT_TEMPLATES_DIR } from '../briefs/templates.ts';
import { createStores, type Stores } from '../stores.ts';
import { createFeedback, type Feedback } from '../feedback/services.ts';
import type { FetchCertificate } from '../feedback/webhooks/sns.ts';

/**
 * What the API process is made of: its own fail-fast Redis connection (a
 * request answers 503 rather than hang), queue producers, the stores, and the
 * editor's controls. No mailer: the API sends no mail; the workers do.
 */
export interface ApiServices extends Stores {
  config: Config;
  logger: Logger;
  keys: Keyspace;
  redis: RedisClient;
  queues: Queues;
  metrics: Metrics;
  linkTokens: LinkTokens;
  mailLane: MailLane;
  dispatchControl: DispatchControl;
  /** Relay webhooks land here: the feedback policy and intake, and their replay guard. */
  feedback: Feedback;
  /** How the SES webhook fetches SNS certificates and visits SubscribeURLs; unset: https (src/feedback/webhooks/snsFetch.ts). */
  snsFetch?: SnsFetch;
  templatesDir: string;
  close(): Promise<void>;
}

export interface SnsFetch {
  certificate?: FetchCertificate;
  url?: (url: string) => Promise<void>;
}

export interface ApiServiceOptions {
  /** Suffix for queue names, so tests get queues of their own. */
  queueSuffix?: string;
  /** One registry per process: `npm start` shares it with the workers, so one /metrics holds everything. */
  metrics?: Metrics;
  /** A connection the caller owns (and closes). */
  redis?: RedisClient;
  /** Tests: SNS certificates and subscription URLs without the network. */
  snsFetch?: SnsFetch;
}

export function createApiServices(config: Config, logger: Logger, opts: ApiServiceOptions = {}): ApiServices {
  const keys = keyspace(config.redis.prefix);
  const redis = opts.redis ?? createRedis(config, 'api');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createQueues(redis, keys, queueNames(opts.queueSuffix));
  for (const q of queues.all()) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue connection error'));
  const metrics = opts.metrics ?? createMetrics();
  metrics.watchQueues(queues.all());
  const stores = createStores(redis, keys, config);
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
    dispatchControl: createDispatchControl({ config, keys, redis, queues, briefs: stores.briefs, dispatches: stores.dispatches, subscribers: stores.subscribers }),
    feedback: createFeedback({ config, keys, redis, subscribers: stores.subscribers, dispatches: stores.dispatches, metrics, logger }),
    ...(opts.snsFetch ? { snsFetch: opts.snsFetch } : {}),
    templatesDir: DEFAULT_TEMPLATES_DIR,
    async close() {
      await queues.close();
      if (!opts.redis) redis.disconnect();
    },
  };
}
