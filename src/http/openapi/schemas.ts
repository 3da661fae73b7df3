import { z } from 'zod';
import type { Config } from '../../config.ts';
import { briefSchema } from '../../briefs/model.ts';
import { CADENCES } from '../../cadence/model.ts';
import { DISPATCH_PRIORITIES, DISPATCH_STATUSES } from '../../dispatch/model.ts';
import { SUBSCRIBER_STATUSES } from '../../subscribers/model.ts';
import { dispatchCreateSchema, testSendSchema } from '../requestSchemas.ts';

/**
 * The editor API's named shapes: the OpenAPI document's components. Request
 * bodies are the very schemas Fastify validates with (../requestSchemas.ts);
 * the brief is the real `briefSchema`. Responses are not checked on the way
 * out (src/http/openapi/plugin.ts says why); test/http/responses.test.ts holds
 * the routes' real answers to these shapes instead.
 */
function components(topics: readonly string[]) {
  const Error = z.object({
    error: z.object({
      code: z.string().meta({ description: 'Stable error code, e.g. INVALID_INPUT, UNAUTHORIZED, NOT_FOUND' }),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  });
  const dispatchStatus = z.enum(DISPATCH_STATUSES);
  const counts = {
    total: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    suppressed: z.number().int(),
    uncertain: z.number().int(),
    expired: z.number().int(),
    bounced: z.number().int(),
    complained: z.number().int(),
    missing: z.number().int().optional(),
    reconciled: z.boolean().nullable().meta({ description: 'Once done: every recipient accounted for' }),
  };
  const Dispatch = z.object({
    id: z.string(),
    kind: z.enum(['brief', 'digest']),
    briefId: z.string().meta({ description: "'' for a digest send" }),
    briefIds: z.array(z.string()).optional(),
    run: z.string().optional(),
    topics: z.array(z.string()),
    status: dispatchStatus,
    createdAt: z.string(),
    scheduledAt: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    planned: z.boolean(),
    batches: z.number().int(),
    batchesDone: z.number().int(),
    daily: z.number().int().meta({ description: 'Readers of the audience left to their daily digest (not in `total`)' }),
    ...counts,
    bounceRate: z.number().min(0),
    complaintRate: z.number().min(0),
    priority: z.enum([...DISPATCH_PRIORITIES, 'digest']),
    expiresAt: z.string().optional(),
    reason: z.string().optional(),
    reasonCode: z.string().optional().meta({ description: 'A stable code for `reason`: SMTP_REFUSED, BOUNCE_SPIKE, COMPLAINT_SPIKE, PLANNER_FAILED' }),
    settled: z.number().int(),
    progress: z.number().min(0).max(1),
    ratePerSecond: z.number(),
    etaSeconds: z.number().int().nullable(),
  });
  const mailerHealth = z.object({
    kind: z.enum(['smtp', 'outbox']),
    relay: z.string().optional(),
    lastOkAt: z.string().optional(),
    lastError: z.object({ at: z.string(), phase: z.string(), code: z.string(), kind: z.string(), reply: z.string() }).optional(),
  });
  const cadence = z.enum(CADENCES);
  const Subscriber = z.object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(SUBSCRIBER_STATUSES),
    topics: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    confirmedAt: z.string().optional(),
    rejoinRequestedAt: z.string().optional(),
    cadence: z.union([cadence, z.record(z.string(), cadence)]).optional(),
    timeZone: z.string().optional(),
  });
  const briefSource = z.enum(['api', 'markdown', 'feed', 'admin']);
  // One component both ways: `BriefInput` is what a client sends, `Brief` what a stored brief holds.
  const Brief = briefSchema(topics);
  return {
    Error,
    AlreadyDispatched: Error.extend({ id: z.string().meta({ description: 'The earlier dispatch' }) }),
    Brief,
    BriefCreated: z.object({ id: z.string(), slug: z.string(), warnings: z.array(z.string()) }),
    BriefSummary: z.object({
      id: z.string(),
      slug: z.string(),
      title: z.string(),
      publishedAt: z.string(),
      topics: z.array(z.string()),
      createdAt: z.string(),
      source: briefSource,
      version: z.number().int(),
      archivedAt: z.string().optional(),
      dispatch: z.object({ id: z.string(), status: dispatchStatus }).nullable().meta({ description: 'Its latest dispatch' }),
    }),
    StoredBrief: z.object({
      id: z.string(),
      slug: z.string(),
      version: z.number().int(),
      source: briefSource,
      createdAt: z.string(),
      updatedAt: z.string().optional(),
      sentAt: z.string().optional(),
      archivedAt: z.string().optional(),
      correctionOf: z.string().optional(),
      editable: z.boolean().meta({ description: 'False once a dispatch of it has started' }),
      brief: Brief,
    }),
    TestSend: testSendSchema,
    Queued: z.object({ status: z.literal('queued'), id: z.string() }),
    DispatchCreate: dispatchCreateSchema(topics),
    DispatchCreated: z.object({ id: z.string() }),
    Dispatch,
    RetryFailed: z.object({ requeued: z.number().int() }),
    BriefUpdated: z.object({ id: z.string(), slug: z.string(), version: z.number().int(), changed: z.array(z.string()), warnings: z.array(z.string()) }),
    BriefArchived: z.object({ id: z.string(), archivedAt: z.string() }),
    BriefHistory: z.object({
      items: z.array(
        z.object({
          at: z.string(),
          by: z.string(),
          action: z.enum(['created', 'updated', 'archived', 'sent', 'correction']),
          version: z.number().int().optional(),
          changed: z.array(z.string()).optional(),
          brief: z.string().optional(),
        }),
      ),
    }),
    BriefCorrection: z.object({ id: z.string(), slug: z.string(), correctionOf: z.string() }),
    BriefPreview: z.object({
      ok: z.boolean(),
      subject: z.string().optional(),
      html: z.string().optional(),
      text: z.string().optional(),
      htmlBytes: z.number().int().optional().meta({ description: 'Size of the HTML part; Gmail clips past 102 KB' }),
      warnings: z.array(z.string()).optional(),
      errors: z.array(z.object({ field: z.string(), message: z.string(), line: z.number().int().optional() })).optional(),
    }),
    RestoreBounced: z.object({ restored: z.number().int() }),
    Status: z.object({
      workers: z.array(
        z.object({
          id: z.string(),
          host: z.string(),
          pid: z.number().int(),
          startedAt: z.string(),
          seenAt: z.string(),
          smtp: z.object({ transactional: mailerHealth, bulk: mailerHealth }),
        }),
      ),
    }),
    Audience: z.object({ topics: z.array(z.enum(topics as [string, ...string[]])), count: z.number().int() }),
    Subscriber,
    SubscriberPage: z.object({
      items: z.array(Subscriber),
      next: z.string().optional().meta({ description: 'Pass back as `after` for the next page; absent at the end' }),
      counts: z.object({ all: z.number().int(), active: z.number().int() }),
    }),
    ImportResult: z.object({
      imported: z.number().int(),
      updated: z.number().int(),
      skipped: z.number().int(),
      errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
    }),
    DigestSend: z.object({
      id: z.string(),
      run: z.string().optional(),
      status: dispatchStatus,
      createdAt: z.string(),
      finishedAt: z.string().optional(),
      briefs: z.array(z.object({ id: z.string(), title: z.string(), slug: z.string().optional() })),
      ...counts,
    }),
  };
}

export type ApiSchemas = ReturnType<typeof components> & { registry: z.core.$ZodRegistry<{ id?: string }> };

/**
 * zod keeps `.meta()` descriptions in z.globalRegistry; the component ids go
 * in a registry of each app's own, because the brief's schema depends on the
 * configured topics and two apps in one process may differ. This map lets
 * that registry see the global descriptions too (fastify-type-provider-zod
 * reads metadata from the registry it is given, and only from it).
 */
class WithGlobalMeta<K extends object, V extends object> extends WeakMap<K, V> {
  override get(key: K): V | undefined {
    const own = super.get(key);
    const global = z.globalRegistry._map.get(key as never) as V | undefined;
    return own || global ? ({ ...global, ...own } as V) : undefined;
  }
  override has(key: K): boolean {
    return super.has(key) || z.globalRegistry._map.has(key as never);
  }
}

const byConfig = new WeakMap<Pick<Config, 'topics'>, ApiSchemas>();

/** One set of schemas per config: the routes declare them and the document names them, so both hold the same instances. */
export function apiSchemasFor(config: Pick<Config, 'topics'>): ApiSchemas {
  let schemas = byConfig.get(config);
  if (!schemas) {
    const named = components(config.topics);
    const registry = z.registry<{ id?: string }>();
    registry._map = new WithGlobalMeta();
    for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
    schemas = { ...named, registry };
    byConfig.set(config, schemas);
  }
  return schemas;
}
