import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Logger } from '../src/logger.ts';
import type { Metrics } from '../src/metrics.ts';

/**
 * A worker process's own `/metrics` and `/healthz` on WORKER_PORT, so that with
 * `npm run api` plus N × `npm run worker` Prometheus can scrape what each
 * worker sends. Plain node:http: a worker never loads Fastify. With
 * METRICS_TOKEN set, /metrics wants it as a bearer token (compared in constant
 * time); /healthz says only that the process is alive.
 */
export async function startWorkerMetricsServer(opts: { host: string; port: number; metrics: Metrics; token?: string; logger: Logger }): Promise<{ server: Server; close(): Promise<void> }> {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = opts.token ? digest(opts.token) : undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"Only /metrics and /healthz are served here."}}');
      return;
    }
    if (expected) {
      const m = /^Bearer (\S{1,512})$/.exec(req.headers.authorization ?? '');
      if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":{"code":"UNAUTHORIZED","message":"A metrics token is required."}}');
        return;
      }
    }
    opts.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': opts.metrics.registry.contentType }).end(text),
      (e: Error) => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'METRICS_UNAVAILABLE', message: e.message } })),
    );
  });
  server.listen(opts.port, opts.host);
  await once(server, 'listening');
  opts.logger.info({ address: server.address() }, 'worker metrics listening');
  return {
    server,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
