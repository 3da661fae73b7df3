import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';

export interface ConfirmationEmail {
  subject: string;
  /** Splices the link into the pre-rendered message: no MJML per email. */
  render(confirmUrl: string): { html: string; text: string };
}

const SLOT = 'bwslot-confirm-url';

/** Fills templates/confirm.html (confirm.mjml, rendered at build time) once, on first use. */
export async function loadConfirmationEmail(opts: {
  templatesDir: string;
  listName: string;
  postalAddress: string;
}): Promise<ConfirmationEmail> {
  const source = await readFile(join(opts.templatesDir, 'confirm.html'), 'utf8');
  const html = Handlebars.compile(source)({ confirmUrl: SLOT, listName: opts.listName, postalAddress: opts.postalAddress });
  const [before, ...rest] = html.replace(/^<!-- Generated[^\n]*\n/, '').split(SLOT);
  const text = (url: string) =>
    [
      `Confirm your ${opts.listName} email alerts`,
      '',
      `Someone, hopefully you, asked to receive ${opts.listName} email alerts at this address.`,
      'Open this link to confirm (it works for 7 days):',
      '',
      url,
      '',
      'If it was not you, ignore this email: nothing more will be sent.',
      '',
      opts.postalAddress,
    ].join('\n');
  return {
    subject: `Confirm your ${opts.listName} alerts`,
    render(confirmUrl) {
      // The URL is ours (PUBLIC_URL + base64url token): nothing in it needs HTML escaping.
      return { html: before + rest.map((part) => confirmUrl + part).join(''), text: text(confirmUrl) };
    },
  };
}
