import type { FastifyPluginAsync } from 'fastify';
import type { ApiServices } from '../services.ts';
import { validateBrief } from '../../briefs/model.ts';
import { parseMarkdownBrief } from '../../briefs/markdown.ts';
import { compileStored } from '../../briefs/forSending.ts';
import { personalize, prepareCompiled } from '../../briefs/personalize.ts';
import { normalizeAddress } from '../../subscribers/address.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { testSendSchema } from '../requestSchemas.ts';

/** Editor API for briefs: create (JSON or Markdown), list, read, preview, test-send. */
const briefRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  app.addHook('preHandler', createEditorAuth(s).preHandler);

  const load = async (id: string) => {
    const stored = await s.briefs.get(id);
    if (!stored) throw notFound('brief');
    return stored;
  };

  app.post('/api/briefs', async (req, reply) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let input: unknown;
    if (type === 'application/json') input = req.body;
    else if (type === 'text/markdown') {
      const parsed = parseMarkdownBrief(String(req.body ?? ''));
      if (!parsed.ok) throw badRequest(parsed.errors, 'The Markdown brief could not be read.');
      input = parsed.value;
    } else throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send a brief as application/json or text/markdown.');
    const result = validateBrief(input, s.config.topics);
    if (!result.ok) throw badRequest(result.errors, 'The brief has invalid fields.');
    const stored = await s.briefs.create(result.brief, type === 'text/markdown' ? 'markdown' : 'api');
    // Compile now: a template problem shows up here, not at send time; the result is cached for the send.
    const compiled = await compileStored(s.config, stored, s.templatesDir);
    return reply.code(201).send({ id: stored.id, slug: stored.slug, warnings: compiled.warnings });
  });

  app.get<{ Querystring: { limit?: string; before?: string } }>('/api/briefs', async (req) => {
    const limit = Math.min(Math.max(Number(req.query.limit) || 50, 1), 200);
    const items = await s.briefs.list({ limit, before: req.query.before });
    const dispatchIds = await s.dispatches.latestForBriefs(items.map((b) => b.id));
    const dispatches = await Promise.all(dispatchIds.map((id) => (id ? s.dispatches.get(id) : null)));
    return {
      items: items.map((b, i) => ({
        id: b.id,
        slug: b.slug,
        title: b.brief.title,
        publishedAt: b.brief.publishedAt,
        topics: b.brief.topics,
        createdAt: b.createdAt,
        source: b.source,
        dispatch: dispatches[i] ? { id: dispatches[i]!.id, status: dispatches[i]!.status } : null,
      })),
      next: items.length === limit ? items[items.length - 1]!.id : undefined,
    };
  });

  app.get<{ Params: { id: string } }>('/api/briefs/:id', async (req) => {
    const b = await load(req.params.id);
    return { id: b.id, slug: b.slug, version: b.version, source: b.source, createdAt: b.createdAt, brief: b.brief };
  });

  app.get<{ Params: { id: string }; Querystring: { format?: string } }>('/api/briefs/:id/preview', async (req, reply) => {
    const format = req.query.format ?? 'html';
    if (format !== 'html' && format !== 'text') throw badRequest([{ field: 'format', message: 'must be html or text' }]);
    const compiled = await compileStored(s.config, await load(req.params.id), s.templatesDir);
    const sample = `${s.config.http.publicUrl}`;
    const email = personalize(prepareCompiled(compiled), {
      unsubscribeUrl: `${sample}/unsubscribe/sample-preview-link`,
      preferencesUrl: `${sample}/preferences/sample-preview-link`,
      email: 'reader@example.org',
    });
    reply.header('X-Briefwire-Html-Bytes', String(compiled.htmlBytes));
    if (compiled.warnings.length) reply.header('X-Briefwire-Warning', compiled.warnings.join(' | ').replace(/[\r\n]/g, ' '));
    reply.header('X-Briefwire-Subject', encodeURIComponent(email.subject));
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(email.text);
    // The email's own styles are inline; images may come from anywhere https.
    reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'");
    return reply.type('text/html; charset=utf-8').send(email.html);
  });

  app.post<{ Params: { id: string } }>('/api/briefs/:id/test', async (req, reply) => {
    const parsed = testSendSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'to', message: i.message })));
    const to: string[] = [];
    parsed.data.to.forEach((addr, i) => {
      const r = normalizeAddress(addr);
      if (!r.ok) throw badRequest([{ field: `to.${i}`, message: r.message }]);
      to.push(r.address);
    });
    const b = await load(req.params.id);
    const id = await s.mailLane.enqueueTestSend(b.id, [...new Set(to)]);
    return reply.code(202).send({ status: 'queued', id });
  });
};

export default briefRoutes;
