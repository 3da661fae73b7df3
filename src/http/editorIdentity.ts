import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import { bearerToken } from './editorAuth.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Who did it, for a brief's history: the label of the editor token a request
 * came with (an API bearer token, or the one that opened the /admin session).
 * Only labels leave here; a token is never logged or stored.
 */
export function createEditorIdentity(config: Pick<Config, 'editorTokens' | 'editorLabels'>, sessionDigest: (token: string) => string) {
  const digests = config.editorTokens.map(sha256);
  const bySession = new Map(config.editorTokens.map((t, i) => [sessionDigest(t), config.editorLabels[i]!]));
  const labelForToken = (token: string): string | undefined => {
    const d = sha256(token);
    let found: string | undefined;
    // Every digest compared, in constant time, as the auth check does.
    digests.forEach((e, i) => {
      if (timingSafeEqual(d, e)) found = config.editorLabels[i];
    });
    return found;
  };
  return {
    labelForToken,
    /** The label for an authenticated request (the auth hooks ran first); `editor` if it cannot be told. */
    of(req: FastifyRequest): string {
      const token = bearerToken(req);
      const label = token !== undefined ? labelForToken(token) : req.adminSession?.tokenDigest ? bySession.get(req.adminSession.tokenDigest) : undefined;
      return label ?? 'editor';
    },
  };
}

export type EditorIdentity = ReturnType<typeof createEditorIdentity>;
