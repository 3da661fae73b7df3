import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { MailJob } from './queues.ts';

/** How long a test send's request (and its done set) waits for the mail worker. */
const TEST_SEND_TTL_SEC = 24 * 3600;

export interface TestSendRequest {
  briefId: string;
  to: string[];
}

/** Producer side of the transactional lane (confirmations, test sends). */
export interface MailLane {
  /** Owes this subscriber a confirmation: onto the confirmation stream the relay drains (signups put themselves there). */
  enqueueConfirmation(subscriberId: string): Promise<void>;
  /** Confirmations not yet sent or given up on: still in the confirmation stream, or waiting on the mail queue. */
  backlog(): Promise<number>;
  /** Test copies of a brief; the addresses are parked in Redis (a day), the job carries an id. */
  enqueueTestSend(briefId: string, to: string[]): Promise<string>;
  takeTestSend(requestId: string): Promise<TestSendRequest | null>;
}

export function createMailLane(queue: Queue<MailJob>, redis: RedisClient, keys: Keyspace): MailLane {
  return {
    async enqueueConfirmation(subscriberId) {
      // No MAXLEN: trimming would drop owed confirmations; the relay deletes what it has queued.
      await redis.xadd(keys.confirmationStream, '*', 'id', subscriberId);
    },
    async backlog() {
      const [owed, queued] = await Promise.all([redis.xlen(keys.confirmationStream), queue.count()]);
      return owed + queued;
    },
    async enqueueTestSend(briefId, to) {
      const requestId = randomUUID();
      await redis.set(keys.testSend(requestId), JSON.stringify({ briefId, to }), 'EX', TEST_SEND_TTL_SEC);
      await queue.add('test', { kind: 'test', requestId }, { jobId: `test-${requestId}` });
      return requestId;
    },
    async takeTestSend(requestId) {
      const v = await redis.get(keys.testSend(requestId));
      return v ? (JSON.parse(v) as TestSendRequest) : null;
    },
  };
}

/**
 * The addresses a mail-lane job has already reached, so a retry of the job
 * skips them. Kept `ttlSec` after the last addition, then forgotten.
 */
export interface DoneSet {
  has(address: string): Promise<boolean>;
  add(address: string): Promise<void>;
}

export function createDoneSet(redis: RedisClient, key: string, ttlSec: number): DoneSet {
  return {
    async has(address) {
      return (await redis.sismember(key, address)) === 1;
    },
    async add(address) {
      await redis.multi().sadd(key, address).expire(key, ttlSec).exec();
    },
  };
}

/** The done set of one test send: it lives as long as the request. */
export function testSendDoneSet(redis: RedisClient, keys: Keyspace, requestId: string): DoneSet {
  return createDoneSet(redis, keys.testSendDone(requestId), TEST_SEND_TTL_SEC);
}
