import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createApiServices, type ApiServices } from '../../src/http/services.ts';
import { buildApp } from '../../src/app.ts';
import { startWorkers, type RunningWorkers } from '../../workers/index.ts';
import { deleteKeys, EDITOR_TOKEN, testEnv } from '../support/harness.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.ts';

/**
 * Secrets and tokens never reach the logs: the whole pino output at trace
 * level, API and workers, during signup -> confirm -> unsubscribe (and an
 * editor request and a failed one), grepped for every secret it could leak.
 */

const ADDRESS = 'Secret.Reader@logs-example.org';
let lines = '';
let smtp: TestSmtpServer;
let services: ApiServices;
let app: FastifyInstance;
let workers: RunningWorkers;
let prefix: string;
beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => (lines += c.toString()));
  smtp = await startSmtpServer();
  prefix = `{bwt-${randomBytes(4).toString('hex')}}`;
  const config = loadConfig(testEnv(prefix, smtp.url, { LOG_LEVEL: 'trace' }));
  const logger = createLogger('trace', stream);
  services = createApiServices(config, logger);
  app = await buildApp(services);
  // The API's connection fails fast (no offline queue): let it connect before the first request.
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

describe('secrets never in logs', () => {
  it('a signup, confirm, unsubscribe and editor flow logs none of the secret key, tokens or the address', async () => {
    const signup = await app.inject({ method: 'POST', url: '/subscribe', payload: { email: ADDRESS, name: 'Ann' } });
    expect(signup.statusCode).toBe(202);
    await smtp.waitFor(() => smtp.to(ADDRESS).length === 1);
    const confirmPath = /https:\/\/news\.example\.org(\/confirm\/([A-Za-z0-9_-]+))/.exec(smtp.to(ADDRESS)[0]!.parsed.text ?? '')!;
    const confirmToken = confirmPath[2]!;
    expect((await app.inject({ method: 'POST', url: confirmPath[1]! })).statusCode).toBe(200);
    const sub = await services.subscribers.findByEmail(ADDRESS);
    const linkToken = services.linkTokens.sign(sub!.id);
    expect((await app.inject({ method: 'GET', url: `/preferences/${linkToken}` })).statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'POST', url: `/unsubscribe/${linkToken}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/subscribers', headers: { authorization: `Bearer ${EDITOR_TOKEN}` } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/briefs', headers: { authorization: 'Bearer not-the-token-but-secretish' } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/confirm/${confirmToken}` })).statusCode).toBe(400);
    await new Promise((r) => setTimeout(r, 300));

    // The capture worked: requests and the mail job were logged.
    expect(lines).toContain('"url":"/confirm/[token]"');
    expect(lines.split('\n').length).toBeGreaterThan(10);
    const secrets = {
      SECRET_KEY: services.config.secretKey,
      'editor token': EDITOR_TOKEN,
      'wrong bearer token': 'not-the-token-but-secretish',
      'confirm token': confirmToken,
      'link token': linkToken,
      'link token MAC': linkToken.split('.')[1]!,
      address: ADDRESS,
      'address (lower case)': ADDRESS.toLowerCase(),
      'local part': 'Secret.Reader',
    };
    for (const [what, secret] of Object.entries(secrets)) expect(lines.includes(secret), `${what} found in the logs`).toBe(false);
  });
});
