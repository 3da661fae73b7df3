import { z } from 'zod';

/**
 * The CLI's own configuration: where the API is and which editor token to
 * send. Flags win over the environment. (The server's config is src/config.ts;
 * the CLI is a client and needs only these two.)
 */
const schema = z.object({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL (--url or BRIEFWIRE_URL)' })
    .default('http://127.0.0.1:3000')
    .transform((u) => u.replace(/\/+$/, '')),
  token: z.string({ error: 'is required (--token or BRIEFWIRE_TOKEN)' }).min(1, 'is required (--token or BRIEFWIRE_TOKEN)').max(512),
});

export type CliConfig = z.output<typeof schema>;

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function loadCliConfig(flags: { url?: string; token?: string }, env: Record<string, string | undefined> = process.env): CliConfig {
  const parsed = schema.safeParse({ url: flags.url ?? (env.BRIEFWIRE_URL || undefined), token: flags.token ?? (env.BRIEFWIRE_TOKEN || undefined) });
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new CliError('CLI_CONFIG_INVALID', `${i.path.join('.')}: ${i.message}`, 2);
  }
  return parsed.data;
}
