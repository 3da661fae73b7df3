import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors.ts';

/**
 * Bearer tokens from config, compared in constant time. Both sides are hashed
 * first so the comparison is always between equal-length buffers (and the
 * token's length leaks nothing).
 */
export function createEditorAuth(tokens: readonly string[]) {
  const digests = tokens.map((t) => createHash('sha256').update(t).digest());
  const isEditorToken = (token: string): boolean => {
    const d = createHash('sha256').update(token).digest();
    let ok = false;
    for (const e of digests) ok = timingSafeEqual(d, e) || ok;
    return ok;
  };
  /** True when the request carries an editor's bearer token. */
  const isEditorRequest = (req: FastifyRequest): boolean => {
    const m = /^Bearer ([^\s]{1,512})$/.exec(req.headers.authorization ?? '');
    return !!m && isEditorToken(m[1]!);
  };
  const preHandler = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!isEditorRequest(req)) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'UNAUTHORIZED', 'An editor token is required (Authorization: Bearer <token>).');
    }
  };
  return { isEditorToken, isEditorRequest, preHandler };
}
