import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiServices } from '../services.ts';
import { validateBrief, type Brief } from '../../briefs/model.ts';
import { BriefError } from '../../briefs/errors.ts';
import { correctionDraft } from '../../briefs/changes.ts';
import { compileStored } from '../../briefs/forSending.ts';
import { previewDraft, previewEmail, readMarkdownBrief } from '../../briefs/preview.ts';
import { dispatchHasStarted, type BriefChangeRefusal, type BriefSource, type StoredBrief } from '../../briefs/store.ts';
import { normalizeAddress } from '../../subscribers/address.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createEditorIdentity } from '../editorIdentity.ts';
import { badRequest, HttpError, notFound } from '../errors.ts';
import { apiSchemasFor } from '../openapi/schemas.ts';
import { briefRouteSchemas } from './briefSchemas.ts';

const mediaType = (req: FastifyRequest) => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** What the API says when a change is refused: each refusal has its status and stable code. */
export function refusalError(r: BriefChangeRefusal): HttpError {
  switch (r.refused) {
    case 'missing':
      return notFound('brief');
    case 'sent':
      return new HttpError(409, 'BRIEF_SENT', 'This brief has been sent and can no longer change: archive it, or make a correction (a new brief) from it.');
    case 'scheduled':
      return new HttpError(409, 'BRIEF_SCHEDULED', `Dispatch ${r.dispatchId} of this brief is scheduled: cancel it first.`);
    case 'active':
      return new HttpError(409, 'BRIEF_DISPATCH_ACTIVE', `Dispatch ${r.dispatchId} of this brief is scheduled or sending: archive it once that dispatch has finished or is cancelled.`);
    case 'conflict':
      return new HttpError(412, 'VERSION_CONFLICT', `The brief changed since that version; it is now at version ${r.version}.`);
    case 'slug-taken':
      return new HttpError(409, 'SLUG_TAKEN', `That slug belongs to brief ${r.owner}; choose another.`);
  }
}

/** Editor API for briefs: create, edit until sent, delete, archive, history, correction, list, read, preview, test-send. */
const briefRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services: s }) => {
  const auth = createEditorAuth(s);
  const identity = createEditorIdentity(s.config, auth.tokenDigest);
  app.addHook('preValidation', auth.requireToken);
  const schemas = briefRouteSchemas(apiSchemasFor(s.config));

  const load = async (id: string) => {
    const stored = await s.briefs.get(id);
    if (!stored) throw notFound('brief');
    return stored;
  };
  const compile = (stored: StoredBrief) => compileStored(s.config, stored, s.templatesDir, s.compiledBriefs);

  /** The body of POST and PUT: a JSON brief, or Markdown with front matter (errors at their lines). Fastify leaves both to validateBrief. */
  const readBody = (req: FastifyRequest): { brief: Brief; source: BriefSource } => {
    const type = mediaType(req);
    if (type === 'application/json') {
      const result = validateBrief(req.body, s.config.topics);
      if (!result.ok) throw badRequest(result.errors, 'The brief has invalid fields.');
      return { brief: result.brief, source: 'api' };
    }
    if (type === 'text/markdown') {
      const read = readMarkdownBrief(String(req.body ?? ''), s.config.topics);
      if (!read.ok) throw badRequest(read.errors, 'The Markdown brief could not be read.');
      return { brief: read.brief, source: 'markdown' };
    }
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send a brief as application/json or text/markdown.');
  };

  /** Sent: published, or its latest dispatch has started (what PUT and DELETE refuse on). */
  const sentState = async (b: StoredBrief) => {
    const latestId = (await s.dispatches.latestForBriefs([b.id]))[0];
    const latest = latestId ? await s.dispatches.get(latestId) : null;
    return { sent: !!b.publishedAt || (latest ? dispatchHasStarted(latest) : false), latest };
  };

  app.post('/api/briefs', { schema: schemas.create }, async (req, reply) => {
    const { brief, source } = readBody(req);
    const stored = await s.briefs.create(brief, source, { by: identity.of(req) });
    // Compile now: a template problem shows up here, not at send time; the result is cached for the send.
    const compiled = await compile(stored);
    return reply.code(201).send({ id: stored.id, slug: stored.slug, warnings: compiled.warnings });
  });

  // The editor's live preview: unsaved Markdown through the readers' builder; errors come back at their lines, not as a 400.
  app.post('/api/briefs/preview', { schema: schemas.preview }, async (req) => {
    if (mediaType(req) !== 'text/markdown') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the draft as text/markdown.');
    try {
      return await previewDraft(s.config, String(req.body ?? ''), s.templatesDir);
    } catch (e) {
      if (e instanceof BriefError) return { ok: false, errors: [{ field: '', message: `${e.code}: ${e.message}`, line: 1 }] };
      throw e;
    }
  });

  app.get('/api/briefs', { schema: schemas.list }, async (req) => {
    const { limit, before, archived } = req.query;
    const items = await s.briefs.list({ limit, before, archived });
    const dispatchIds = await s.dispatches.latestForBriefs(items.map((b) => b.id));
    const dispatches = await Promise.all(dispatchIds.map((id) => (id ? s.dispatches.get(id) : Promise.resolve(null))));
    return {
      items: items.map((b, i) => ({
        id: b.id,
        slug: b.slug,
        title: b.brief.title,
        publishedAt: b.brief.publishedAt,
        topics: b.brief.topics,
        createdAt: b.createdAt,
        source: b.source,
        version: b.version,
        ...(b.archivedAt ? { archivedAt: b.archivedAt } : {}),
        dispatch: dispatches[i] ? { id: dispatches[i]!.id, status: dispatches[i]!.status } : null,
      })),
      next: items.length === limit ? items[items.length - 1]!.id : undefined,
    };
  });

  app.get('/api/briefs/:id', { schema: schemas.get }, async (req, reply) => {
    const b = await load(req.params.id);
    const { sent } = await sentState(b);
    reply.header('ETag', `"${b.version}"`);
    return {
      id: b.id,
      slug: b.slug,
      version: b.version,
      source: b.source,
      createdAt: b.createdAt,
      ...(b.updatedAt ? { updatedAt: b.updatedAt } : {}),
      ...(b.publishedAt ? { sentAt: b.publishedAt } : {}),
      ...(b.archivedAt ? { archivedAt: b.archivedAt } : {}),
      ...(b.correctionOf ? { correctionOf: b.correctionOf } : {}),
      editable: !sent,
      brief: b.brief,
    };
  });

  // Same body as POST. `If-Match: "<version>"` refuses the change (412) when someone saved a newer version first.
  app.put('/api/briefs/:id', { schema: schemas.update }, async (req) => {
    await load(req.params.id);
    const { brief } = readBody(req);
    const ifMatch = req.headers['if-match'];
    let expected: number | undefined;
    if (ifMatch !== undefined) {
      const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(String(ifMatch).trim());
      if (!m) throw badRequest([{ field: 'If-Match', message: 'must be the brief\'s version as its ETag gives it, e.g. "3"' }]);
      expected = Number(m[1]);
    }
    const r = await s.briefs.update(req.params.id, brief, identity.of(req), expected);
    if (!r.ok) throw refusalError(r);
    const compiled = await compile(r.stored);
    return { id: r.stored.id, slug: r.stored.slug, version: r.stored.version, changed: r.changed, warnings: compiled.warnings };
  });

  app.delete('/api/briefs/:id', { schema: schemas.remove }, async (req, reply) => {
    const r = await s.briefs.remove(req.params.id);
    if (!r.ok) throw refusalError(r);
    req.log.info({ briefId: req.params.id, by: identity.of(req) }, 'brief deleted');
    return reply.code(204).send(null);
  });

  app.post('/api/briefs/:id/archive', { schema: schemas.archive }, async (req) => {
    const r = await s.briefs.archive(req.params.id, identity.of(req));
    if (!r.ok) throw refusalError(r);
    const b = await load(req.params.id);
    return { id: b.id, archivedAt: b.archivedAt! };
  });

  app.get('/api/briefs/:id/history', { schema: schemas.history }, async (req) => {
    await load(req.params.id);
    return { items: await s.briefs.history(req.params.id) };
  });

  // A correction of a sent brief: a new draft with its content, which the editor edits and sends.
  app.post('/api/briefs/:id/correction', { schema: schemas.correction }, async (req, reply) => {
    const sentBrief = await load(req.params.id);
    if (!(await sentState(sentBrief)).sent) {
      throw new HttpError(409, 'BRIEF_NOT_SENT', 'This brief has not been sent: edit it instead of correcting it.');
    }
    const stored = await s.briefs.create(correctionDraft(sentBrief.brief), 'api', { by: identity.of(req), correctionOf: sentBrief.id });
    return reply.code(201).send({ id: stored.id, slug: stored.slug, correctionOf: sentBrief.id });
  });

  app.get('/api/briefs/:id/preview', { schema: schemas.email }, async (req, reply) => {
    const { format } = req.query;
    const compiled = await compile(await load(req.params.id));
    const email = previewEmail(compiled, s.config.http.publicUrl);
    reply.header('X-Briefwire-Html-Bytes', String(compiled.htmlBytes));
    if (compiled.warnings.length) reply.header('X-Briefwire-Warning', compiled.warnings.join(' | ').replace(/[\r\n]/g, ' '));
    reply.header('X-Briefwire-Subject', encodeURIComponent(email.subject));
    if (format === 'text') return reply.type('text/plain; charset=utf-8').send(email.text);
    // The email's own styles are inline; images may come from anywhere https.
    reply.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'");
    return reply.type('text/html; charset=utf-8').send(email.html);
  });

  app.post('/api/briefs/:id/test', { schema: schemas.testSend }, async (req, reply) => {
    const to: string[] = [];
    req.body.to.forEach((addr, i) => {
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
