import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { buildOpenApi } from '../openapi/document.ts';
import { docsDocument } from '../openapi/docsPage.ts';

/**
 * The editor API's OpenAPI document and a docs page. Behind the editor token
 * like the rest of /api (signed-in editors also get the docs at /admin/api-docs).
 */
const openApiRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  app.addHook('preHandler', createEditorAuth(s).preHandler);
  const doc = buildOpenApi(s.config);
  app.get('/api/openapi.json', async () => doc);
  app.get('/api/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(docsDocument(doc, '/api/openapi.json')));
};

export default openApiRoutes;
