import type { Config } from '../config.ts';
import { compileBriefCached, type CompiledBrief } from './compile.ts';
import type { StoredBrief } from './store.ts';

/** The one way a stored brief becomes an email: cached per brief version and template hash. */
export function compileStored(config: Config, stored: StoredBrief, templatesDir?: string): Promise<CompiledBrief> {
  return compileBriefCached(stored.brief, `${stored.id}@${stored.version}`, {
    publicUrl: config.http.publicUrl,
    postalAddress: config.mail.postalAddress,
    templatesDir,
  });
}
