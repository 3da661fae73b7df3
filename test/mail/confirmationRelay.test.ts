import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import type { MailJob } from '../../src/queue/queues.ts';
import { startConfirmationRelay, type ConfirmationRelay } from '../../workers/confirmationRelay.ts';
import { REDIS_URL, until } from '../support/harness.ts';

/**
 * The confirmation stream between a signup and its confirmation job, on real Redis and a
 * real BullMQ queue of its own: entries become jobs, a crashed relay's entries
 * are taken over, and nothing is queued twice.
 */

const prefix = `{bwt-relay-${randomBytes(3).toString('hex')}}`;
const outbox = `${prefix}:outbox:confirm`;
const redis = new Redis(REDIS_URL);
const queue = new Queue<MailJob>(`relay-${randomBytes(3).toString('hex')}`, { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix: `${prefix}:q` });
let relay: ConfirmationRelay | undefined;

afterEach(async () => {
  await relay?.close();
  relay = undefined;
  await queue.obliterate({ force: true });
  await redis.del(outbox);
});

afterAll(async () => {
  await queue.close();
  redis.disconnect();
});

const start = (opts: { reclaimAfterMs?: number } = {}) =>
  (relay = startConfirmationRelay({ redis: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), stream: outbox, queue, logger: createLogger('silent') }, { blockMs: 100, ...opts }));

const jobs = async () => (await queue.getJobs(['waiting'])).map((j) => ({ id: j.id, subscriberId: j.data.kind === 'confirm' ? j.data.subscriberId : '' }));

it('moves every owed confirmation onto the mail queue, including ones written before it started, and empties the outbox', async () => {
  const early = await redis.xadd(outbox, '*', 'id', '7');
  start();
  const late = await redis.xadd(outbox, '*', 'id', '8');
  await until(jobs, (j) => j.length === 2, 10_000, 'two confirmation jobs');
  expect((await jobs()).sort((a, b) => a.subscriberId.localeCompare(b.subscriberId))).toEqual([
    { id: `confirm-${early}`, subscriberId: '7' },
    { id: `confirm-${late}`, subscriberId: '8' },
  ]);
  await until(() => redis.xlen(outbox), (n) => n === 0, 5_000, 'outbox emptied');
});

it("takes over what a crashed relay had read but not queued, and queues nothing twice", async () => {
  await redis.xgroup('CREATE', outbox, 'relay', '0', 'MKSTREAM');
  const a = await redis.xadd(outbox, '*', 'id', '21');
  const b = await redis.xadd(outbox, '*', 'id', '22');
  // A relay that read both entries, queued the first, then died before acknowledging either.
  await redis.xreadgroup('GROUP', 'relay', 'dead-relay', 'COUNT', 10, 'STREAMS', outbox, '>');
  await queue.add('confirm', { kind: 'confirm', subscriberId: '21' }, { jobId: `confirm-${a}` });

  start({ reclaimAfterMs: 200 });
  await until(jobs, (j) => j.length === 2, 10_000, 'the dead relay’s entries queued');
  await until(() => redis.xlen(outbox), (n) => n === 0, 5_000, 'outbox emptied');
  expect((await jobs()).map((j) => j.id).sort()).toEqual([`confirm-${a}`, `confirm-${b}`].sort());
  const pending = (await redis.xpending(outbox, 'relay')) as [number, ...unknown[]];
  expect(pending[0]).toBe(0);
});

it('starts over when the outbox stream is deleted under it', async () => {
  start();
  await redis.xadd(outbox, '*', 'id', '31');
  await until(jobs, (j) => j.length === 1, 10_000, 'first job');
  await redis.del(outbox);
  await redis.xadd(outbox, '*', 'id', '32');
  await until(jobs, (j) => j.some((x) => x.subscriberId === '32'), 10_000, 'a job after the stream was recreated');
});
