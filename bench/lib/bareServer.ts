import Fastify from 'fastify';
import { Redis } from 'ioredis';

/**
 * The signup case's yardstick: a bare Fastify route doing one Redis SET, in
 * its own process like briefwire's API. argv: port, redis URL, key prefix.
 */
const [port, redisUrl, prefix] = process.argv.slice(2) as [string, string, string];
const redis = new Redis(redisUrl);
const app = Fastify({ logger: false });

app.post('/set', async (req, reply) => {
  const body = req.body as { email?: unknown };
  await redis.set(`${prefix}:bare:${String(body?.email)}`, JSON.stringify(body));
  return reply.code(202).send({ status: 'pending' });
});

process.on('SIGTERM', () => void app.close().then(() => (redis.disconnect(), process.exit(0))));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.send?.({ type: 'ready' });
