import { createHash } from 'node:crypto';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import type { CompiledBrief, CompileOptions } from './compile.ts';

/**
 * A brief's compiled email, shared through Redis by every process that
 * compiles it. The API compiles on every save and preview (it checks the
 * brief renders), so by the time a dispatch is planned the worker finds the
 * email here and only MIME-encodes it: no MJML in the worker (~60 MB and
 * 0.3–0.8 s of a cold start at the head of every dispatch). A miss (a brief
 * never compiled by the API, another template, another version) falls back
 * to compiling, which stores the result in turn.
 *
 * The fingerprint covers everything the output depends on besides the brief:
 * the email templates' hash and the options that appear in the HTML.
 */
export interface CompiledBriefStore {
  get(briefId: string, version: number, fingerprint: string): Promise<CompiledBrief | null>;
  put(briefId: string, version: number, fingerprint: string, compiled: CompiledBrief): Promise<void>;
}

const TTL_SECONDS = 30 * 24 * 3600;

export function compileFingerprint(emailTemplateHash: string, opts: CompileOptions): string {
  return createHash('sha256').update(JSON.stringify([emailTemplateHash, opts.publicUrl, opts.postalAddress])).digest('base64url');
}

interface Entry {
  version: number;
  fingerprint: string;
  compiled: CompiledBrief;
}

export function createCompiledBriefStore(redis: RedisClient, keys: Keyspace): CompiledBriefStore {
  return {
    async get(briefId, version, fingerprint) {
      const json = await redis.get(keys.briefEmail(briefId));
      if (!json) return null;
      const entry = JSON.parse(json) as Entry;
      return entry.version === version && entry.fingerprint === fingerprint ? entry.compiled : null;
    },
    async put(briefId, version, fingerprint, compiled) {
      // One entry per brief: only its current version is ever dispatched, and editing bumps it.
      const entry: Entry = { version, fingerprint, compiled };
      await redis.set(keys.briefEmail(briefId), JSON.stringify(entry), 'EX', TTL_SECONDS);
    },
  };
}
