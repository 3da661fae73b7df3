import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import type { RedisClient } from '../src/redis/connection.ts';
import type { Keyspace } from '../src/redis/keys.ts';
import type { SubscriberStore } from '../src/subscribers/store.ts';
import { expireDispatchDetail } from '../src/dispatch/retention.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Keeps Redis bounded under noeviction: unconfirmed signups go a day after
 * their link expired, and finished dispatches drop their per-recipient detail
 * after LEDGER_RETENTION_DAYS. Every worker runs it hourly; both steps are
 * idempotent, so several at once only repeat each other's no-ops.
 */
export function startMaintenance(deps: { config: Config; logger: Logger; redis: RedisClient; keys: Keyspace; subscribers: SubscriberStore }, everyMs = HOUR_MS) {
  const round = async () => {
    try {
      const now = Date.now();
      const expired = await deps.subscribers.expirePending(new Date(now - deps.config.signup.confirmTokenTtlSec * 1000 - DAY_MS));
      const pruned = await expireDispatchDetail(deps.redis, deps.keys, new Date(now - deps.config.dispatch.ledgerRetentionDays * DAY_MS));
      if (expired || pruned.length) deps.logger.info({ expiredSignups: expired, dispatchesPruned: pruned }, 'maintenance: unconfirmed signups and old dispatch detail removed');
    } catch (e) {
      deps.logger.warn({ err: (e as Error).message }, 'maintenance round failed; next round in an hour');
    }
  };
  const first = setTimeout(() => void round(), 5_000);
  const timer = setInterval(() => void round(), everyMs);
  first.unref();
  timer.unref();
  return {
    round,
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
