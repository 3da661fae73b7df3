import type { Brief } from './model.ts';
import { buildView } from './viewModel.ts';
import { loadTemplates, runTemplate } from './templates.ts';

/**
 * The "view in browser" page for GET /briefs/:slug: the same content and
 * inline HTML as the email, through templates/web.hbs, with no personal links
 * (anyone with the URL can open it).
 */
export function renderWebPage(
  brief: Brief,
  opts: { publicUrl: string; postalAddress?: string; templatesDir?: string },
): string {
  const templates = loadTemplates(opts.templatesDir);
  return runTemplate('web.hbs', templates.web, buildView(brief, opts));
}
