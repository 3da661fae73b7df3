import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { clientKey } from './clientKey.ts';
import { HttpError } from './errors.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** What tokenMatches compares against: the SHA-256 of each configured token. */
export const tokenDigests = (tokens: readonly string[]): Buffer[] => tokens.map(sha256);

/**
 * True when `given` is one of the `expected` SHA-256 digests, in constant time:
 * both sides are hashed first, so the comparison is always between equal-length
 * buffers (the token's length leaks nothing), and every digest is compared.
 */
export function tokenMatches(given: string, expected: readonly Buffer[]): boolean {
  const d = sha256(given);
  let ok = false;
  for (const e of expected) ok = timingSafeEqual(d, e) || ok;
  return ok;
}

/** How many wrong tokens one client may send in a window before every try of it, right or wrong, is refused. */
export interface TokenAttemptBudget {
  /** Names the Redis counter (`keys.rate(name, client)`). */
  name: string;
  maxFailures: number;
  windowSec: number;
}

/**
 * Wrong bearer tokens (`/api/*`, `/api/status`, an editor's `/readyz`): a budget
 * of its own, apart from sign-in's, so a script with a stale token does not
 * lock its office's editors out of /admin, nor the other way round. Roomier
 * than sign-in's ten because API clients are scripts that retry.
 */
export const BEARER_BUDGET: TokenAttemptBudget = { name: 'editor-bearer', maxFailures: 50, windowSec: 900 };

export type TokenVerdict = { kind: 'accepted' } | { kind: 'refused' } | { kind: 'throttled'; retryAfterSec: number };

/**
 * A per-client budget of wrong tokens, counted in Redis so it holds across API
 * processes. A wrong token is one atomic step (start the window if none runs,
 * INCR) and the verdict is taken from the count that INCR returned, so however
 * many tries arrive at once, at most `maxFailures` of them get a 401: the rest
 * get 429. A right token only reads the count (right tokens never use the
 * budget) and is refused too once the budget is spent: otherwise a 200 among
 * the 429s would still tell a guesser which guess was right.
 */
export function createTokenAttempts(redis: RedisClient, keys: Keyspace, budget: TokenAttemptBudget) {
  const key = (client: string) => keys.rate(budget.name, client);
  return {
    budget,
    /** `ip` is `request.ip`; the count is kept per client key (an IPv6 client by its /64). */
    async judge(ip: string, right: boolean): Promise<TokenVerdict> {
      const k = key(clientKey(ip));
      if (right) {
        const failures = Number(await redis.get(k));
        if (failures < budget.maxFailures) return { kind: 'accepted' };
        return { kind: 'throttled', retryAfterSec: Math.max(1, await redis.ttl(k)) };
      }
      // The window starts at the first failure and is not extended by later ones.
      const res = await redis.multi().set(k, 0, 'EX', budget.windowSec, 'NX').incr(k).ttl(k).exec();
      const failed = res?.find(([err]) => err)?.[0];
      if (!res || failed) throw failed ?? new Error('Redis aborted the token-attempt transaction');
      const failures = Number(res[1]![1]);
      return failures <= budget.maxFailures ? { kind: 'refused' } : { kind: 'throttled', retryAfterSec: Math.max(1, Number(res[2]![1])) };
    },
  };
}

export type TokenAttempts = ReturnType<typeof createTokenAttempts>;

/** What createEditorAuth needs from the services. */
export interface EditorAuthDeps {
  config: Pick<Config, 'editorTokens' | 'secretKey'>;
  redis: RedisClient;
  keys: Keyspace;
}

const BEARER = /^Bearer ([^\s]{1,512})$/;

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export const bearerToken = (req: FastifyRequest): string | undefined => BEARER.exec(req.headers.authorization ?? '')?.[1];

/**
 * Editor tokens from config: checked in constant time, and every wrong bearer
 * token counted against the sending client's budget (BEARER_BUDGET).
 */
export function createEditorAuth(deps: EditorAuthDeps) {
  const tokens = deps.config.editorTokens;
  const attempts = createTokenAttempts(deps.redis, deps.keys, BEARER_BUDGET);
  const secretKey = deps.config.secretKey;
  const digests = tokenDigests(tokens);
  /**
   * What a session keeps of the token that opened it: keyed with SECRET_KEY, so
   * a Redis dump does not let a weak token be found offline.
   */
  const tokenDigest = (token: string) => createHmac('sha256', secretKey).update(`editor-token:${token}`).digest('hex');
  const current = new Set(tokens.map(tokenDigest));

  const isEditorToken = (token: string): boolean => tokenMatches(token, digests);

  /** `none` when the request carries no bearer token at all: not a guess, so not counted. */
  const bearer = async (req: FastifyRequest): Promise<TokenVerdict | { kind: 'none' }> => {
    const token = bearerToken(req);
    if (token === undefined) return { kind: 'none' };
    const right = isEditorToken(token);
    return attempts.judge(req.ip, right);
  };

  /**
   * The hook every editor route runs at preValidation (or onRequest): before
   * Fastify validates the body, so a request without the token gets 401, never
   * a 400 that would describe the route to a stranger.
   */
  const requireToken = async (req: FastifyRequest, reply: FastifyReply) => {
    const verdict = await bearer(req);
    if (verdict.kind === 'accepted') return;
    if (verdict.kind === 'throttled') {
      req.log.warn({ code: 'EDITOR_TOKEN_THROTTLED' }, 'editor API refused: too many wrong tokens from this client');
      reply.header('Retry-After', String(verdict.retryAfterSec));
      throw new HttpError(429, 'AUTH_THROTTLED', 'Too many wrong tokens from here. Try again later.');
    }
    reply.header('WWW-Authenticate', 'Bearer');
    throw new HttpError(401, 'UNAUTHORIZED', 'An editor token is required (Authorization: Bearer <token>).');
  };

  return {
    isEditorToken,
    bearer,
    /** The digest a session records (see tokenDigest above). */
    tokenDigest,
    /** False once the token a session was opened with is no longer in EDITOR_TOKENS. */
    isCurrentToken: (digest: string | undefined) => !!digest && current.has(digest),
    requireToken,
  };
}

export type EditorAuth = ReturnType<typeof createEditorAuth>;
