import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { expect, it } from 'vitest';
import { renderMjml } from '../../src/briefs/compile.ts';
import { loadConfirmationEmail } from '../../src/subscribers/confirmationEmail.ts';
import { renderConfirmationTemplate } from '../../src/subscribers/confirmationTemplate.ts';
import { DEFAULT_TEMPLATES_DIR as TEMPLATES_DIR } from '../../src/briefs/templates.ts';

it('templates/confirm.html is confirm.mjml as rendered now (run `npm run templates` after editing it)', async () => {
  expect(await readFile(join(TEMPLATES_DIR, 'confirm.html'), 'utf8')).toBe(await renderConfirmationTemplate(TEMPLATES_DIR));
});

it('the pre-rendered confirmation is the email MJML renders with the values filled in first, escaping included', async () => {
  const opts = { templatesDir: TEMPLATES_DIR, listName: 'Fast & <Thinking>', postalAddress: '1 "Example" Street', tokenTtlSec: 7 * 24 * 3600 };
  const url = 'https://news.example.org/confirm/AbC-123_x';
  const email = await loadConfirmationEmail(opts);
  const source = await readFile(join(TEMPLATES_DIR, 'confirm.mjml'), 'utf8');
  const direct = await renderMjml(Handlebars.compile(source)({ confirmUrl: url, listName: opts.listName, postalAddress: opts.postalAddress, linkLifetime: '7 days' }));
  const { html } = email.render(url);
  expect(html).toBe(direct);
  expect(html).toContain('Fast &amp; &lt;Thinking&gt;');
  expect(html.split(url)).toHaveLength(3);
});
