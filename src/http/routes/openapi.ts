import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { registerDocsUi } from '../openapi/plugin.ts';

/**
 * The editor API's OpenAPI document, built by @fastify/swagger from the
 * routes' own schemas, and Swagger UI over it. Behind the editor token like
 * the rest of /api (signed-in editors also get the UI at /admin/api-docs).
 */
const openApiRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  const auth = createEditorAuth(s);
  app.get('/api/openapi.json', { onRequest: auth.requireToken, schema: { hide: true } }, async () => app.swagger());
  await registerDocsUi(app, '/api/docs', `${s.config.mail.listName} editor API`, auth.requireToken);
};

export default openApiRoutes;
