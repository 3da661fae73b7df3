import type { Config } from './config.ts';
import type { RedisClient } from './redis/connection.ts';
import type { Keyspace } from './redis/keys.ts';
import { createSubscriberStore } from './subscribers/store.ts';
import { createConfirmTokens } from './subscribers/tokens.ts';
import { createSignupLimits } from './subscribers/limits.ts';
import { createBriefStore } from './briefs/store.ts';
import { createCompiledBriefStore } from './briefs/compiledStore.ts';
import { createDispatchStore } from './dispatch/store.ts';

/**
 * The Redis-backed stores, on whichever connection the caller's role owns: the
 * API's fails fast, the workers' rides out a Redis restart. Shared by both
 * composition roots (src/http/services.ts and workers/index.ts).
 */
export function createStores(redis: RedisClient, keys: Keyspace, config: Config) {
  return {
    subscribers: createSubscriberStore(redis, keys),
    briefs: createBriefStore(redis, keys, config),
    /** Compiled emails shared between processes: the API's compile on save spares the worker MJML. */
    compiledBriefs: createCompiledBriefStore(redis, keys),
    dispatches: createDispatchStore(redis, keys),
    confirmTokens: createConfirmTokens(redis, keys, config.signup.confirmTokenTtlSec),
    signupLimits: createSignupLimits(redis, keys, {
      perIpPerHour: config.signup.limitPerIpPerHour,
      globalPerMinute: config.signup.limitGlobalPerMinute,
      confirmWindowSec: config.signup.confirmResendWindowSec,
    }),
  };
}

export type Stores = ReturnType<typeof createStores>;
