import { hostname } from 'node:os';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { MailerHealth } from '../mail/mailer.ts';

/**
 * Which worker processes are alive and how their SMTP relay looks to them.
 * Each worker writes its own entry every HEARTBEAT_MS; readers show the ones
 * seen lately. Readiness probes stay free of side effects: nobody opens an
 * SMTP session to answer them.
 */
export const HEARTBEAT_MS = 5_000;
/** Missing three beats: gone (killed, or cut off from Redis). */
const LIVE_MS = 3 * HEARTBEAT_MS;
/** Entries of workers gone for this long are deleted when the list is read. */
const FORGET_MS = 60 * 60_000;

export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  seenAt: string;
  /** The transactional lane (confirmations, test copies) and the bulk lane each have their own pool. */
  smtp: { transactional: MailerHealth; bulk: MailerHealth };
}

export interface WorkerRegistry {
  beat(status: WorkerStatus): Promise<void>;
  remove(id: string): Promise<void>;
  /** Live workers, oldest first. */
  live(now?: number): Promise<WorkerStatus[]>;
}

export const newWorkerIdentity = () => ({
  id: `${hostname()}-${process.pid}-${Date.now().toString(36)}`,
  host: hostname(),
  pid: process.pid,
  startedAt: new Date().toISOString(),
});

export function createWorkerRegistry(redis: RedisClient, keys: Keyspace): WorkerRegistry {
  return {
    async beat(status) {
      await redis.hset(keys.workers, status.id, JSON.stringify(status));
    },
    async remove(id) {
      await redis.hdel(keys.workers, id);
    },
    async live(now = Date.now()) {
      const all = await redis.hgetall(keys.workers);
      const live: WorkerStatus[] = [];
      const forgotten: string[] = [];
      for (const [id, json] of Object.entries(all)) {
        let status: WorkerStatus;
        try {
          status = JSON.parse(json) as WorkerStatus;
        } catch {
          forgotten.push(id);
          continue;
        }
        const age = now - Date.parse(status.seenAt);
        if (age <= LIVE_MS) live.push(status);
        else if (age > FORGET_MS) forgotten.push(id);
      }
      if (forgotten.length) await redis.hdel(keys.workers, ...forgotten);
      return live.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    },
  };
}
