/** The briefs module's public surface: validate, parse, compile once, splice per recipient, render the web page. */
export { BriefError, type BriefErrorCode, type FieldError } from './errors.ts';
export { briefSchema, validateBrief, slugFor, LIMITS, type Brief, type ValidationResult } from './model.ts';
export { parseMarkdownBrief, type MarkdownParseResult } from './markdown.ts';
export { inlineToHtml, inlineToText } from './inline.ts';
export {
  compileBrief,
  compileBriefCached,
  clearCompileCache,
  renderMjml,
  mjmlRenderCount,
  GMAIL_CLIP_BYTES,
  SLOT_NAMES,
  type CompiledBrief,
  type CompileOptions,
  type SlotName,
} from './compile.ts';
export { prepareSplice, fillSplice, htmlSafeValues, escapeHtml, type SpliceTemplate } from './splice.ts';
export { prepareCompiled, personalize, type PreparedBrief, type RecipientValues } from './personalize.ts';
export { renderWebPage } from './webPage.ts';
export { webUrlFor } from './viewModel.ts';
export { loadTemplates, DEFAULT_TEMPLATES_DIR } from './templates.ts';
