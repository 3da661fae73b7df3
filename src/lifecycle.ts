import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { checkRedisPolicy, createRedis, REDIS_HELP, waitForRedis } from './redis/connection.ts';

/** Start-up checks shared by every process: Redis answers, and is set up not to lose our keys. */
export async function preflight(config: Config, logger: Logger): Promise<void> {
  for (const w of config.warnings) logger.warn(w);
  // A connection of its own: each role then builds the connections it needs.
  const redis = createRedis(config, 'api', 'briefwire-preflight');
  redis.on('error', () => undefined);
  try {
    try {
      await waitForRedis(redis, 5_000);
    } catch {
      logger.fatal({ redis: config.redis.url.replace(/\/\/[^@]*@/, '//***@') }, REDIS_HELP);
      throw new Error(REDIS_HELP);
    }
    for (const w of await checkRedisPolicy(redis, config.production)) logger.warn(w);
  } finally {
    redis.disconnect();
  }
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: run the steps in order (stop taking
 * work, finish in-flight, close connections), and exit anyway when the grace
 * period runs out.
 */
export function onShutdown(logger: Logger, graceMs: number, steps: (() => Promise<void>)[]) {
  let closing = false;
  const run = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown deadline passed; exiting now');
      process.exit(1);
    }, graceMs + 5_000);
    force.unref();
    try {
      for (const step of steps) await step();
      logger.info('shutdown complete');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void run('SIGTERM'));
  process.once('SIGINT', () => void run('SIGINT'));
}
