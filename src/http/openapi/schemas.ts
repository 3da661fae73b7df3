import { z } from 'zod';
import { briefSchema } from '../../briefs/model.ts';
import { DISPATCH_STATUSES } from '../../dispatch/model.ts';
import { SUBSCRIBER_STATUSES } from '../../subscribers/model.ts';
import { dispatchCreateSchema, testSendSchema } from '../requestSchemas.ts';

/**
 * The editor API's shapes as zod schemas, for the OpenAPI document. Request
 * bodies are the very schemas the routes validate with (../requestSchemas.ts);
 * the brief itself is the real `briefSchema`.
 */
export function apiSchemas(topics: readonly string[]) {
  const topic = z.enum(topics as [string, ...string[]]);
  const error = z.object({
    error: z.object({
      code: z.string().meta({ description: 'Stable error code, e.g. INVALID_INPUT, UNAUTHORIZED, NOT_FOUND' }),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  });
  const dispatchStatus = z.enum(DISPATCH_STATUSES);
  const dispatch = z.object({
    id: z.string(),
    briefId: z.string(),
    topics: z.array(z.string()),
    status: dispatchStatus,
    createdAt: z.string(),
    scheduledAt: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    total: z.number().int(),
    planned: z.boolean(),
    batches: z.number().int(),
    batchesDone: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int(),
    suppressed: z.number().int(),
    uncertain: z.number().int(),
    expired: z.number().int().optional(),
    bounced: z.number().int(),
    complained: z.number().int(),
    bounceRate: z.number().min(0),
    complaintRate: z.number().min(0),
    priority: z.enum(['breaking', 'normal']).optional(),
    expiresAt: z.string().optional(),
    reason: z.string().optional(),
    reasonCode: z.enum(['SMTP_REFUSED', 'BOUNCE_SPIKE', 'COMPLAINT_SPIKE', 'PLANNER_FAILED']).optional(),
    missing: z.number().int().optional(),
    settled: z.number().int(),
    progress: z.number().min(0).max(1),
    ratePerSecond: z.number(),
    etaSeconds: z.number().int().nullable(),
    reconciled: z.boolean().nullable(),
  });
  const mailerHealth = z.object({
    kind: z.enum(['smtp', 'outbox']),
    relay: z.string().optional(),
    lastOkAt: z.string().optional(),
    lastError: z
      .object({ at: z.string(), phase: z.string(), code: z.string(), kind: z.string(), reply: z.string() })
      .optional(),
  });
  const subscriber = z.object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(SUBSCRIBER_STATUSES),
    topics: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
    confirmedAt: z.string().optional(),
  });
  return {
    Error: error,
    Brief: briefSchema(topics),
    BriefCreated: z.object({ id: z.string(), slug: z.string(), warnings: z.array(z.string()) }),
    BriefSummary: z.object({
      id: z.string(),
      slug: z.string(),
      title: z.string(),
      publishedAt: z.string(),
      topics: z.array(z.string()),
      createdAt: z.string(),
      source: z.enum(['api', 'markdown', 'feed', 'admin']),
      dispatch: z.object({ id: z.string(), status: dispatchStatus }).nullable(),
    }),
    StoredBrief: z.object({ id: z.string(), slug: z.string(), version: z.number().int(), source: z.string(), createdAt: z.string(), brief: z.unknown() }),
    TestSend: testSendSchema,
    Queued: z.object({ status: z.literal('queued'), id: z.string() }),
    DispatchCreate: dispatchCreateSchema(topics),
    DispatchCreated: z.object({ id: z.string() }),
    Dispatch: dispatch,
    RetryFailed: z.object({ requeued: z.number().int() }),
    BriefUpdated: z.object({ id: z.string(), slug: z.string(), version: z.number().int(), changed: z.array(z.string()) }),
    BriefArchived: z.object({ id: z.string(), archivedAt: z.string() }),
    BriefHistory: z.object({
      items: z.array(z.object({ at: z.string(), by: z.string(), action: z.string(), version: z.number().int().optional(), changed: z.array(z.string()).optional() })),
    }),
    BriefCorrection: z.object({ id: z.string(), slug: z.string(), correctionOf: z.string() }),
    BriefPreview: z.object({
      ok: z.boolean(),
      subject: z.string().optional(),
      html: z.string().optional(),
      text: z.string().optional(),
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
          smtp: z.record(z.enum(['transactional', 'bulk']), mailerHealth),
        }),
      ),
    }),
    Audience: z.object({ topics: z.array(topic), count: z.number().int() }),
    Subscriber: subscriber,
    SubscriberPage: z.object({
      items: z.array(subscriber),
      next: z.string().optional(),
      counts: z.object({ all: z.number().int(), active: z.number().int() }),
    }),
    ImportResult: z.object({
      imported: z.number().int(),
      updated: z.number().int(),
      skipped: z.number().int(),
      errors: z.array(z.object({ line: z.number().int(), message: z.string() })),
    }),
  };
}

export type ApiSchemaName = keyof ReturnType<typeof apiSchemas>;
