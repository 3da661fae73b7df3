import { Redis, Cluster, type RedisOptions } from 'ioredis';
import type { Config } from '../config.ts';

export type RedisClient = Redis | Cluster;

/**
 * Two flavours of connection, for two failure policies:
 * - `api`: fail fast (no offline queue, few retries per request) so a request
 *   answers 503 when Redis is down instead of hanging;
 * - `worker`: BullMQ's requirement, `maxRetriesPerRequest: null`, so blocking
 *   commands ride out a Redis restart.
 */
export type ConnectionRole = 'api' | 'worker';

export function createRedis(config: Config, role: ConnectionRole, name = 'briefwire'): RedisClient {
  const common: RedisOptions = {
    connectionName: `${name}-${role}`,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(200 * times, 2_000),
    ...(role === 'api'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 5_000 }
      : { maxRetriesPerRequest: null, enableReadyCheck: true }),
  };
  if (config.redis.clusterNodes.length) {
    const nodes = config.redis.clusterNodes.map((hp) => {
      const [host, port] = hp.split(':');
      return { host: host ?? '127.0.0.1', port: Number(port ?? 6379) };
    });
    return new Cluster(nodes, {
      redisOptions: common,
      enableOfflineQueue: role !== 'api',
      clusterRetryStrategy: (times) => Math.min(200 * times, 2_000),
    });
  }
  return new Redis(config.redis.url, common);
}

/** Resolves once the client is ready, or rejects with a plain message after `timeoutMs`. */
export async function waitForRedis(client: RedisClient, timeoutMs = 5_000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('Redis did not answer'));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/**
 * BullMQ only warns when Redis may evict keys; for us an evicted ledger entry
 * is a duplicate email, so say it loudly. Returns the warnings to log.
 */
export async function checkRedisPolicy(client: RedisClient, production: boolean): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const node = client instanceof Cluster ? client.nodes('master')[0] : client;
    if (!node) return warnings;
    const policy = (await node.config('GET', 'maxmemory-policy')) as string[];
    if (policy[1] !== 'noeviction') {
      warnings.push(`Redis maxmemory-policy is "${policy[1]}": set it to "noeviction" or keys (ledger, queues) may be evicted`);
    }
    if (production) {
      const aof = (await node.config('GET', 'appendonly')) as string[];
      if (aof[1] !== 'yes') warnings.push('Redis AOF persistence is off: a Redis restart loses subscribers and the delivery ledger');
    }
  } catch {
    // Managed Redis often disables CONFIG; we cannot check, so say so once.
    warnings.push('could not read Redis CONFIG: make sure maxmemory-policy is noeviction');
  }
  return warnings;
}

export const REDIS_HELP =
  'Redis is not answering. Start one: `apt-get install redis-server && redis-server --daemonize yes` or `docker compose up -d redis`, and set REDIS_URL if it is not on 127.0.0.1:6379.';
