import type { Config } from '../config.ts';
import { compileBrief, type CompiledBrief } from './compile.ts';
import { parseMarkdownBrief } from './markdown.ts';
import { validateBrief, type Brief } from './model.ts';
import { personalize, prepareCompiled } from './personalize.ts';
import { locateErrors, type LocatedError } from './sourceLines.ts';

/**
 * The email as a reader gets it, with sample personal links: the stored
 * brief's preview and the editor's live preview of unsaved Markdown both come
 * from here, through the readers' own builder (compile + splice).
 */

export function previewEmail(compiled: CompiledBrief, publicUrl: string) {
  return personalize(prepareCompiled(compiled), {
    unsubscribeUrl: `${publicUrl}/unsubscribe/sample-preview-link`,
    preferencesUrl: `${publicUrl}/preferences/sample-preview-link`,
    email: 'reader@example.org',
  });
}

export type BriefReading = { ok: true; brief: Brief } | { ok: false; errors: LocatedError[] };

/** Markdown source to a valid brief, or every error at its line. */
export function readMarkdownBrief(markdown: string, topics: readonly string[]): BriefReading {
  const parsed = parseMarkdownBrief(markdown);
  if (!parsed.ok) return { ok: false, errors: locateErrors(markdown, parsed.errors) };
  const valid = validateBrief(parsed.value, topics);
  if (!valid.ok) return { ok: false, errors: locateErrors(markdown, valid.errors) };
  return { ok: true, brief: valid.brief };
}

export type DraftPreview =
  | { ok: true; subject: string; html: string; text: string; htmlBytes: number; warnings: string[] }
  | { ok: false; errors: LocatedError[] };

/**
 * An unsaved draft, compiled uncached: drafts change with every keystroke and
 * would only push the saved briefs' compiles out of the cache. About 15 ms.
 */
export async function previewDraft(config: Config, markdown: string, templatesDir?: string): Promise<DraftPreview> {
  const read = readMarkdownBrief(markdown, config.topics);
  if (!read.ok) return read;
  const compiled = await compileBrief(read.brief, { publicUrl: config.http.publicUrl, postalAddress: config.mail.postalAddress, templatesDir });
  const email = previewEmail(compiled, config.http.publicUrl);
  return { ok: true, subject: email.subject, html: email.html, text: email.text, htmlBytes: compiled.htmlBytes, warnings: compiled.warnings };
}
