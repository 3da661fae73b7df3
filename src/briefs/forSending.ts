import type { Config } from '../config.ts';
import { compileBriefCached, type CompiledBrief, type CompileOptions } from './compile.ts';
import { compileFingerprint, type CompiledBriefStore } from './compiledStore.ts';
import { loadTemplates } from './templates.ts';
import type { StoredBrief } from './store.ts';

const optionsFor = (config: Config, templatesDir?: string): CompileOptions => ({
  publicUrl: config.http.publicUrl,
  postalAddress: config.mail.postalAddress,
  templatesDir,
});

/**
 * The one way a stored brief becomes an email: cached per brief version and
 * template hash in this process, and, given the shared store, in Redis for
 * every other process (see compiledStore.ts).
 */
export async function compileStored(config: Config, stored: StoredBrief, templatesDir?: string, shared?: CompiledBriefStore): Promise<CompiledBrief> {
  const opts = optionsFor(config, templatesDir);
  const compiled = await compileBriefCached(stored.brief, `${stored.id}@${stored.version}`, opts);
  if (shared) {
    // Once per compile and store: previews of an unchanged brief are served from memory without a write.
    let written = writtenTo.get(shared);
    if (!written) writtenTo.set(shared, (written = new WeakSet()));
    if (!written.has(compiled)) {
      await shared.put(stored.id, stored.version, compileFingerprint(compiled.templateHash, opts), compiled);
      written.add(compiled);
    }
  }
  return compiled;
}

const writtenTo = new WeakMap<CompiledBriefStore, WeakSet<CompiledBrief>>();

/** The brief's email if some process compiled this version with these templates and options; null otherwise. */
export async function findCompiled(config: Config, stored: StoredBrief, templatesDir: string | undefined, shared: CompiledBriefStore): Promise<CompiledBrief | null> {
  const opts = optionsFor(config, templatesDir);
  return shared.get(stored.id, stored.version, compileFingerprint(loadTemplates(templatesDir).emailHash, opts));
}
