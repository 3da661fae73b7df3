import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Handlebars from 'handlebars';
import { LRUCache } from 'lru-cache';
import { BriefError } from './errors.ts';

/**
 * Loads the designer-owned templates (templates/brief.mjml,
 * templates/partials/*.mjml, templates/web.hbs) and compiles them with
 * Handlebars once. Files are re-read only when their mtime or size changes, so
 * a designer's edit shows up on the next preview without a restart, while a
 * send never pays for disk reads or Handlebars compilation.
 */

export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface LoadedTemplates {
  /** brief.mjml with partials: view -> MJML source. */
  brief: Handlebars.TemplateDelegate;
  /** web.hbs: view -> HTML page. */
  web: Handlebars.TemplateDelegate;
  /** sha256 over the email template files (brief.mjml + partials), for cache keys. */
  emailHash: string;
  webHash: string;
}

interface Entry {
  signature: string;
  templates: LoadedTemplates;
}

// Keyed by templates folder: production has one, tests a few fixtures. The bound only
// keeps a long run of throwaway folders from growing it; an evicted folder is reloaded.
const loaded = new LRUCache<string, Entry>({ max: 32 });

function listFiles(dir: string): { brief: string; web: string; partials: string[] } {
  const partialsDir = join(dir, 'partials');
  let partials: string[] = [];
  try {
    partials = readdirSync(partialsDir)
      .filter((f) => f.endsWith('.mjml'))
      .sort()
      .map((f) => join(partialsDir, f));
  } catch {
    partials = []; // no partials folder: brief.mjml must then stand alone
  }
  return { brief: join(dir, 'brief.mjml'), web: join(dir, 'web.hbs'), partials };
}

function signatureOf(files: string[]): string {
  return files
    .map((f) => {
      try {
        const s = statSync(f);
        return `${f}:${s.mtimeMs}:${s.size}`;
      } catch {
        throw new BriefError('TEMPLATE_MISSING', `template file not found: ${f}`);
      }
    })
    .join('|');
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new BriefError('TEMPLATE_MISSING', `template file not found: ${file}`);
  }
}

function hashOf(parts: [string, string][]): string {
  const h = createHash('sha256');
  for (const [name, body] of parts) h.update(name).update('\0').update(body).update('\0');
  return h.digest('hex');
}

// Handlebars is CommonJS, so it can load on the first loadTemplates (synchronous) rather than with
// this module: a worker reads DEFAULT_TEMPLATES_DIR from here long before it renders anything.
let handlebars: typeof Handlebars | undefined;
function loadHandlebars(): typeof Handlebars {
  try {
    return (handlebars ??= createRequire(import.meta.url)('handlebars') as typeof Handlebars);
  } catch (err) {
    throw new Error(`could not load handlebars to compile the templates: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function compileTemplate(hbs: typeof Handlebars, name: string, src: string): Handlebars.TemplateDelegate {
  try {
    // Compile eagerly (precompile throws on syntax errors) so a broken template
    // fails at load with its file name, not in the middle of a render.
    hbs.precompile(src);
    return hbs.compile(src, { noEscape: false });
  } catch (err) {
    throw new BriefError('TEMPLATE_INVALID', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function loadTemplates(templatesDir: string = DEFAULT_TEMPLATES_DIR): LoadedTemplates {
  const dir = resolve(templatesDir);
  const files = listFiles(dir);
  const signature = signatureOf([files.brief, files.web, ...files.partials]);
  const cached = loaded.get(dir);
  if (cached && cached.signature === signature) return cached.templates;

  // Each templates folder gets its own Handlebars environment so partials of
  // one folder (tests use fixtures) never leak into another.
  const hbs = loadHandlebars().create();
  const emailParts: [string, string][] = [['brief.mjml', read(files.brief)]];
  for (const p of files.partials) {
    const name = p.slice(join(dir, 'partials').length + 1).replace(/\.mjml$/, '');
    const src = read(p);
    emailParts.push([`partials/${name}.mjml`, src]);
    hbs.registerPartial(name, compileTemplate(hbs, `partials/${name}.mjml`, src));
  }
  const webSrc = read(files.web);
  const templates: LoadedTemplates = {
    brief: compileTemplate(hbs, 'brief.mjml', emailParts[0][1]),
    web: compileTemplate(hbs, 'web.hbs', webSrc),
    emailHash: hashOf(emailParts),
    webHash: hashOf([['web.hbs', webSrc]]),
  };
  loaded.set(dir, { signature, templates });
  return templates;
}

/** Run a compiled template, turning Handlebars runtime errors (missing partial, ...) into TEMPLATE_INVALID. */
export function runTemplate(name: string, template: Handlebars.TemplateDelegate, context: object): string {
  try {
    return template(context);
  } catch (err) {
    throw new BriefError('TEMPLATE_INVALID', `${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
