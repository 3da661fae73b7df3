import { z } from 'zod';

/**
 * Request bodies of the editor API, shared by the routes that validate them
 * and the OpenAPI document that describes them, so the two cannot drift.
 */
export const topicListSchema = (topics: readonly string[]) =>
  z.array(z.enum(topics as [string, ...string[]], { error: 'is not a known topic' })).max(100);

export const dispatchCreateSchema = (topics: readonly string[]) =>
  z.strictObject({
    topics: topicListSchema(topics).optional().meta({ description: "Audience topics; empty or absent means the brief's topics" }),
    at: z.iso.datetime({ offset: true }).optional().meta({ description: 'Send later, at this time' }),
    force: z.boolean().optional().meta({ description: 'Send again although this brief was dispatched before' }),
    priority: z
      .enum(['breaking', 'normal'])
      .optional()
      .meta({ description: "breaking: its batches go ahead of every waiting normal one, and through readers' quiet hours (default normal)" }),
    expiresAt: z.iso.datetime({ offset: true }).optional().meta({ description: 'Readers not reached by then are counted expired and never sent it' }),
  });

/** Addresses are checked one by one by normalizeAddress, which names the bad entry. */
export const testSendSchema = z.object({
  to: z.array(z.string().max(320).meta({ format: 'email' })).min(1).max(10),
});
