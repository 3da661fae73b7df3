import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { renderWebPage } from '../../briefs/webPage.ts';
import { notFound } from '../errors.ts';

/** "View in browser": the public web version of a brief, once it has been sent. */
const webBriefRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  app.get<{ Params: { slug: string } }>('/briefs/:slug', async (req, reply) => {
    const stored = await s.briefs.getBySlug(req.params.slug);
    if (!stored || !stored.publishedAt) throw notFound('brief');
    const body = renderWebPage(stored.brief, { publicUrl: s.config.http.publicUrl, postalAddress: s.config.mail.postalAddress, templatesDir: s.templatesDir });
    return reply.type('text/html; charset=utf-8').send(body);
  });
};

export default webBriefRoutes;
