import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiServices } from '../services.ts';
import { exportCsvHeader, exportCsvRows, parseImportCsv } from '../../subscribers/csv.ts';
import { createEditorAuth } from '../editorAuth.ts';
import { createEditorIdentity } from '../editorIdentity.ts';
import { HttpError, notFound } from '../errors.ts';
import { apiSchemasFor } from '../openapi/schemas.ts';
import { subscriberRouteSchemas } from './subscriberSchemas.ts';
import { restoreReader, type RestoreResult } from '../../feedback/restore.ts';

/** A refused restore, as the API and the subscriber page both say it. */
export function restoreRefusal(r: Exclude<RestoreResult, { ok: true } | { code: 'NOT_FOUND' }>): HttpError {
  return r.code === 'NEVER_CONFIRMED'
    ? new HttpError(409, r.code, 'This reader never confirmed their subscription: they must sign up again.')
    : new HttpError(409, r.code, `Only a bounced or complained reader can be restored; this one is ${r.status}.`);
}

/** Editor API over subscribers: list, CSV export and import, erasure, restoring a bounced or complained reader. */
const subscriberAdminRoutes: FastifyPluginAsyncZod<{ services: ApiServices }> = async (app, { services: s }) => {
  const auth = createEditorAuth(s);
  const identity = createEditorIdentity(s.config, auth.tokenDigest);
  app.addHook('preValidation', auth.requireToken);
  const schemas = subscriberRouteSchemas(apiSchemasFor(s.config));

  app.get('/api/subscribers', { schema: schemas.list }, async (req) => {
    const { status, limit } = req.query;
    const after = req.query.after && /^\d{1,15}$/.test(req.query.after) ? req.query.after : undefined;
    const page = await s.subscribers.list({ status, query: req.query.q?.slice(0, 254), after, limit });
    const counts = await s.subscribers.count();
    return { ...page, counts };
  });

  app.get('/api/subscribers.csv', { schema: schemas.csv }, async (req, reply) => {
    const { status } = req.query;
    reply.type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="subscribers.csv"');
    // cadence and timeZone columns once any reader has a cadence or zone of their own (src/subscribers/csv.ts).
    const delivery = (await s.redis.hlen(s.keys.subscriberDelivery)) > 0;
    let out = exportCsvHeader({ delivery });
    let after: string | undefined;
    do {
      const page = await s.subscribers.list({ status, after, limit: 500 });
      const consents = await Promise.all(page.items.map((x) => s.subscribers.consentLog(x.id)));
      out += exportCsvRows(page.items, (_x, i) => {
        const signup = consents[i]?.find((e) => e.type === 'signup');
        return signup && signup.type === 'signup' ? `${signup.source} ${signup.at}${signup.consent ? ` ${signup.consent}` : ''}` : '';
      }, { delivery });
      after = page.next;
    } while (after);
    return out;
  });

  app.post('/api/subscribers/import', { schema: schemas.import }, async (req, reply) => {
    if (!(req.headers['content-type'] ?? '').startsWith('text/csv')) {
      throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the import as text/csv with a header row.');
    }
    const asActive = req.query.status === 'active';
    const { rows, errors } = parseImportCsv(String(req.body ?? ''), s.config.topics);
    let imported = 0;
    let updated = 0;
    let skipped = 0;
    for (const row of rows) {
      const r = await s.subscribers.importRow({
        email: row.email,
        name: row.name,
        topics: row.topics,
        ...(row.cadence ? { cadence: row.cadence } : {}),
        ...(row.timeZone ? { timeZone: row.timeZone } : {}),
        status: asActive ? 'active' : 'pending',
        event: {
          type: 'signup',
          at: new Date().toISOString(),
          ip: req.ip,
          userAgent: 'import',
          consentVersion: s.config.consent.version,
          source: 'import',
          consent: row.consent || undefined,
        },
      });
      if (r.result === 'created') {
        imported++;
        if (r.status === 'pending') await s.mailLane.enqueueConfirmation(r.id);
      } else if (r.result === 'updated') updated++;
      else skipped++;
    }
    return reply.send({ imported, updated, skipped, errors });
  });

  app.post('/api/subscribers/:id/restore', { schema: schemas.restore }, async (req) => {
    const r = await restoreReader(s.subscribers, req.params.id, identity.of(req));
    if (r.ok) return r.subscriber;
    if (r.code === 'NOT_FOUND') throw notFound('subscriber');
    throw restoreRefusal(r);
  });

  app.delete('/api/subscribers/:id', { schema: schemas.erase }, async (req, reply) => {
    if (!/^\d{1,15}$/.test(req.params.id) || !(await s.subscribers.erase(req.params.id))) throw notFound('subscriber');
    return reply.code(204).send(null);
  });
};

export default subscriberAdminRoutes;
