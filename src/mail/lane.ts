import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { MailJob } from '../queue/queues.ts';

/** Producer side of the transactional lane (confirmations, test sends). */
export interface MailLane {
  /** Owes this subscriber a confirmation: onto the outbox the relay drains (signups put themselves there). */
  enqueueConfirmation(subscriberId: string): Promise<void>;
  /** Confirmations not yet sent or given up on: still in the outbox, or waiting on the mail queue. */
  backlog(): Promise<number>;
  /** Test copies of a brief; the addresses are parked in Redis (a day), the job carries an id. */
  enqueueTestSend(briefId: string, to: string[]): Promise<string>;
  takeTestSend(requestId: string): Promise<{ briefId: string; to: string[] } | null>;
}

export function createMailLane(queue: Queue<MailJob>, redis: RedisClient, keys: Keyspace): MailLane {
  const key = (id: string) => `${keys.prefix}:test-send:${id}`;
  return {
    async enqueueConfirmation(subscriberId) {
      // No MAXLEN: trimming would drop owed confirmations; the relay deletes what it has queued.
      await redis.xadd(keys.confirmOutbox, '*', 'id', subscriberId);
    },
    async backlog() {
      const [outbox, queued] = await Promise.all([redis.xlen(keys.confirmOutbox), queue.count()]);
      return outbox + queued;
    },
    async enqueueTestSend(briefId, to) {
      const requestId = randomUUID();
      await redis.set(key(requestId), JSON.stringify({ briefId, to }), 'EX', 24 * 3600);
      await queue.add('test', { kind: 'test', requestId }, { jobId: `test-${requestId}` });
      return requestId;
    },
    async takeTestSend(requestId) {
      const v = await redis.get(key(requestId));
      return v ? (JSON.parse(v) as { briefId: string; to: string[] }) : null;
    },
  };
}
