import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../services.ts';
import { buildOpenApi } from '../openapi/document.ts';
import { docsBody } from '../openapi/docsPage.ts';
import { pageContext, sendPage } from './layout.ts';

/** The API docs for signed-in editors (a browser cannot send the bearer token /api/docs wants). */
export function registerApiDocsPage(app: FastifyInstance, s: ApiServices) {
  const doc = buildOpenApi(s.config);
  app.get('/admin/api-docs', async (req, reply) =>
    sendPage(reply, pageContext(req, s.config.mail.listName), { title: 'Editor API', body: docsBody(doc, '/admin/api-docs/openapi.json') }),
  );
  app.get('/admin/api-docs/openapi.json', async () => doc);
}
