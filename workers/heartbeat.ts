import type { Logger } from '../src/logger.ts';
import type { Mailer } from '../src/mail/mailer.ts';
import { HEARTBEAT_MS, newWorkerIdentity, type WorkerRegistry } from '../src/ops/workerRegistry.ts';

/** This process's entry in the worker registry, with what its two mail pools last saw of the relay. */
export function startHeartbeat(deps: { registry: WorkerRegistry; logger: Logger; transactional: Mailer; bulk: Mailer }) {
  const identity = newWorkerIdentity();
  const beat = () =>
    deps.registry
      .beat({ ...identity, seenAt: new Date().toISOString(), smtp: { transactional: deps.transactional.health(), bulk: deps.bulk.health() } })
      .catch((e: Error) => deps.logger.warn({ err: e.message }, 'worker heartbeat not written'));
  void beat();
  const timer = setInterval(beat, HEARTBEAT_MS);
  timer.unref();
  return {
    id: identity.id,
    async stop() {
      clearInterval(timer);
      await deps.registry.remove(identity.id).catch(() => undefined);
    },
  };
}
