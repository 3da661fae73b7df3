import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderConfirmationTemplate } from '../src/subscribers/confirmationTemplate.ts';
import { DEFAULT_TEMPLATES_DIR as TEMPLATES_DIR } from '../src/briefs/templates.ts';

/** Writes templates/confirm.html from templates/confirm.mjml (see src/subscribers/confirmationTemplate.ts). */
const target = join(TEMPLATES_DIR, 'confirm.html');
await writeFile(target, await renderConfirmationTemplate(TEMPLATES_DIR));
console.log(`wrote ${target}`);
