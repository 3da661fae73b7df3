import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import { registerDocsUi } from '../openapi/plugin.ts';

/**
 * The API docs for signed-in editors: the same Swagger UI as /api/docs, behind
 * the admin session (a browser cannot send the bearer token /api/docs wants).
 */
export async function registerApiDocsPage(app: FastifyInstance, s: ApiServices): Promise<void> {
  await registerDocsUi(app, '/admin/api-docs', `${s.config.mail.listName} editor API`);
}
