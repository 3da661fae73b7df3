import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { startWorkers, type RunningWorkers } from '../../workers/index.ts';
import { deleteKeys, EDITOR_TOKEN, REDIS_URL, testEnv, until } from '../support/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';

/**
 * Issue 14, finding 17: after DELETE /api/subscribers/:id nothing in Redis
 * (every key under the test's prefix: BullMQ's jobs and events included) and
 * nothing in the logs names the reader. The relay quotes the address in a
 * transient refusal of the confirmation and in a refusal of the message.
 */
const ADDRESS = 'Erase.Me-4471@erasure.example.org';
const NAME = 'Ermintrude Quillfeather';
const auth = { authorization: `Bearer ${EDITOR_TOKEN}` };

let lines = '';
let smtp: TestSmtpServer;
let services: ApiServices;
let app: FastifyInstance;
let workers: RunningWorkers;
let prefix: string;
beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => (lines += c.toString()));
  smtp = await startSmtpServer({
    onRcpt: (address, attempt) => (address === ADDRESS && attempt === 1 ? { code: 450, message: `4.2.1 <${ADDRESS}>: mailbox busy, try later` } : undefined),
  });
  prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  const config = loadConfig(testEnv(prefix, smtp.url, { LOG_LEVEL: 'debug', RETRY_BASE_MS: '100' }));
  const logger = createLogger('debug', stream);
  services = createApiServices(config, logger);
  app = await buildApp(services);
  await services.redis.ping().catch(async () => new Promise((r) => services.redis.once('ready', r)));
  workers = await startWorkers(config, logger, { metrics: services.metrics });
});
afterAll(async () => {
  await workers?.close();
  await app?.close();
  await services?.close();
  await smtp?.close();
  await deleteKeys(prefix);
});

/** Every value under the prefix, whatever the key's type, as text. */
async function everything(redis: Redis): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      out.push(key);
      if (type === 'string') out.push((await redis.get(key)) ?? '');
      else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') out.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') out.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, '0', '-1')));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('erasure', () => {
  it('leaves no trace of the address or the name in Redis or in the logs', async () => {
    expect((await app.inject({ method: 'POST', url: '/subscribe', payload: { email: ADDRESS, name: NAME } })).statusCode).toBe(202);
    // The first try is refused (quoting the address) and retried: BullMQ now holds a failed attempt's reason.
    await smtp.waitFor(() => smtp.to(ADDRESS).length === 1, 20_000);
    const sub = (await services.subscribers.findByEmail(ADDRESS))!;
    expect((await app.inject({ method: 'GET', url: `/api/subscribers?q=${encodeURIComponent(ADDRESS)}`, headers: auth })).json().items).toHaveLength(1);

    const redis = new Redis(REDIS_URL);
    try {
      const before = (await everything(redis)).toLowerCase();
      expect(before).toContain(ADDRESS.toLowerCase());
      expect((await app.inject({ method: 'DELETE', url: `/api/subscribers/${sub.id}`, headers: auth })).statusCode).toBe(204);
      await until(async () => (await services.queues.mail.getJobCounts('waiting', 'active', 'delayed')), (c) => c.waiting + c.active + c.delayed === 0, 10_000, 'mail queue drained');
      const after = (await everything(redis)).toLowerCase();
      for (const trace of [ADDRESS.toLowerCase(), 'erase.me-4471', NAME.toLowerCase(), 'quillfeather']) expect(after.includes(trace), `${trace} still in Redis`).toBe(false);
    } finally {
      redis.disconnect();
    }
    const logs = lines.toLowerCase();
    for (const trace of ['erase.me-4471', 'quillfeather']) expect(logs.includes(trace), `${trace} in the logs`).toBe(false);
    expect(lines).toContain('q=[redacted]');
  });
});
