import type { FastifyInstance } from 'fastify';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { ApiServices } from '../services.ts';

export const QUEUES_PATH = '/admin/queues';

/**
 * Bull Board's own CSP: its bundle is same-origin scripts and styles (the web
 * font it asks Google for is left out on purpose: no third-party requests).
 */
const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Bull Board over every queue, inside the admin context so the session check
 * (an onRequest hook of the parent) guards its page, assets and API alike.
 */
export async function registerQueueBoard(app: FastifyInstance, s: ApiServices) {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(QUEUES_PATH);
  createBullBoard({
    queues: s.queues.all().map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: `${s.config.mail.listName} queues` } },
  });
  await app.register(async (board) => {
    board.addHook('onRequest', async (_req, reply) => {
      reply.header('Content-Security-Policy', BOARD_CSP);
    });
    await board.register(adapter.registerPlugin(), { prefix: QUEUES_PATH });
  });
}
