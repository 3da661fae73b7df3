import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Brief } from './model.ts';
import { BriefError } from './errors.ts';
import { buildView } from './viewModel.ts';
import { buildPlainText } from './plainText.ts';
import { loadTemplates, runTemplate } from './templates.ts';
import { renderMjml } from './render.ts';

export { renderMjml, mjmlRenderCount } from './render.ts';

/**
 * Brief -> email, once. The personal parts (recipient address, unsubscribe
 * and preference links) are not rendered: the template receives placeholder
 * strings, and splice.ts fills them per recipient (DESIGN.md "Performance
 * principle").
 */

export type SlotName = 'unsubscribeUrl' | 'preferencesUrl' | 'email';
export const SLOT_NAMES: readonly SlotName[] = ['unsubscribeUrl', 'preferencesUrl', 'email'];

export interface CompiledBrief {
  /** The brief title (plain text, single line). */
  subject: string;
  /** Full HTML document with slot placeholders. */
  html: string;
  /** Plain-text part with slot placeholders. */
  text: string;
  /** Placeholder string per slot. */
  slots: Record<SlotName, string>;
  htmlBytes: number;
  warnings: string[];
  /** sha256 of the template files used. */
  templateHash: string;
}

export interface CompileOptions {
  publicUrl: string;
  postalAddress: string;
  templatesDir?: string;
}

/** Gmail clips messages whose HTML exceeds about 102 KB, hiding the footer and its unsubscribe link. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/**
 * Placeholders use only [a-z0-9-]: MJML, HTML escaping and URL handling leave
 * them alone. The random nonce makes them unguessable, so brief text can never
 * contain one by accident or on purpose.
 */
function makeSlots(brief: Brief): Record<SlotName, string> {
  const content = JSON.stringify(brief);
  for (;;) {
    const nonce = randomBytes(4).toString('hex');
    const prefix = `bwslot-${nonce}-`;
    if (content.includes(prefix)) continue;
    return {
      unsubscribeUrl: `${prefix}unsubscribeurl`,
      preferencesUrl: `${prefix}preferencesurl`,
      email: `${prefix}email`,
    };
  }
}

export async function compileBrief(brief: Brief, opts: CompileOptions): Promise<CompiledBrief> {
  const templates = loadTemplates(opts.templatesDir);
  const slots = makeSlots(brief);
  const view = buildView(brief, opts);
  const mjml = runTemplate('brief.mjml', templates.brief, { ...view, slots });
  const html = await renderMjml(mjml);
  const text = buildPlainText(brief, view, slots);

  // A bulk email without its unsubscribe link breaks the law in many places
  // and RFC 8058 expectations everywhere: refuse rather than send it.
  if (!html.includes(slots.unsubscribeUrl)) {
    throw new BriefError('TEMPLATE_INVALID', 'email template must contain the unsubscribe link ({{slots.unsubscribeUrl}})');
  }
  const warnings: string[] = [];
  for (const name of SLOT_NAMES) {
    if (!html.includes(slots[name])) warnings.push(`email template does not use {{slots.${name}}}`);
  }
  if (opts.postalAddress.trim() === '') warnings.push('no postal address configured; bulk email must carry one');
  const htmlBytes = Buffer.byteLength(html, 'utf8');
  if (htmlBytes > GMAIL_CLIP_BYTES) {
    warnings.push(
      `email HTML is ${Math.ceil(htmlBytes / 1024)} KB; Gmail clips messages over 102 KB and hides the footer (shorten the brief)`,
    );
  }
  return {
    subject: brief.title.replace(/\s+/g, ' ').trim(),
    html,
    text,
    slots,
    htmlBytes,
    warnings,
    templateHash: templates.emailHash,
  };
}

/* ---- cache: one compile per brief version and template version ---- */

const compiled = new LRUCache<string, Promise<CompiledBrief>>({ max: 50 });

/**
 * compileBrief, memoised by brief version + template hash (+ the options that
 * change the output). Concurrent callers share one render; the 50 most
 * recently used compiles are kept.
 */
export async function compileBriefCached(brief: Brief, briefVersion: string, opts: CompileOptions): Promise<CompiledBrief> {
  const { emailHash } = loadTemplates(opts.templatesDir);
  const key = JSON.stringify([briefVersion, emailHash, opts.publicUrl, opts.postalAddress, opts.templatesDir ?? '']);
  const hit = compiled.get(key);
  if (hit) return hit;
  const pending = compileBrief(brief, opts);
  compiled.set(key, pending);
  // A failed compile may succeed after a template fix, so it must not stay cached.
  pending.catch(() => {
    if (compiled.peek(key) === pending) compiled.delete(key);
  });
  return pending;
}
