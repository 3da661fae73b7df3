import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMjml } from '../briefs/compile.ts';

/**
 * Build time only: templates/confirm.mjml rendered by MJML with its Handlebars
 * placeholders kept, which is what templates/confirm.html holds (`npm run
 * templates` writes it; a test fails when it is stale). Workers read the HTML,
 * so they never load MJML (about 1 s and 50 MB) for the first confirmation.
 */
export async function renderConfirmationTemplate(templatesDir: string): Promise<string> {
  const html = await renderMjml(await readFile(join(templatesDir, 'confirm.mjml'), 'utf8'));
  return `<!-- Generated from confirm.mjml by \`npm run templates\`: edit that file, not this one. -->\n${html}`;
}
