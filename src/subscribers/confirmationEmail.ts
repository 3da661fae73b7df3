import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConfirmationEmail {
  subject: string;
  /** Splices the link into the pre-rendered message: no MJML per email. */
  render(confirmUrl: string): { html: string; text: string };
}

const SLOT = 'bwslot-confirm-url';

const UNITS: [seconds: number, name: string][] = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
];
const SECONDS: [number, string] = [1, 'second'];

/**
 * How long a confirmation link works, in words: "7 days", "1 day", "2 hours".
 * The largest unit that divides the lifetime; failing that, the largest that
 * still counts at least two, rounded down, so the email never promises more
 * time than the token has.
 */
export function describeLinkLifetime(ttlSec: number): string {
  const pick = UNITS.find(([size]) => ttlSec >= size && ttlSec % size === 0) ?? UNITS.find(([size]) => ttlSec >= 2 * size) ?? SECONDS;
  const n = Math.floor(ttlSec / pick[0]);
  return `${n} ${pick[1]}${n === 1 ? '' : 's'}`;
}

/** Fills templates/confirm.html (confirm.mjml, rendered at build time) once, on first use. */
export async function loadConfirmationEmail(opts: {
  templatesDir: string;
  listName: string;
  postalAddress: string;
  /** The confirmation token's lifetime (CONFIRM_TOKEN_TTL), which the email states. */
  tokenTtlSec: number;
}): Promise<ConfirmationEmail> {
  const source = await readFile(join(opts.templatesDir, 'confirm.html'), 'utf8');
  const linkLifetime = describeLinkLifetime(opts.tokenTtlSec);
  // Loaded with the first confirmation a process sends, not when it starts.
  const { default: Handlebars } = await import('handlebars').catch((e: Error) => {
    throw new Error(`could not load handlebars to fill the confirmation email: ${e.message}`, { cause: e });
  });
  const html = Handlebars.compile(source)({ confirmUrl: SLOT, listName: opts.listName, postalAddress: opts.postalAddress, linkLifetime });
  const [before, ...rest] = html.replace(/^<!-- Generated[^\n]*\n/, '').split(SLOT);
  const text = (url: string) =>
    [
      `Confirm your ${opts.listName} email alerts`,
      '',
      `Someone, hopefully you, asked to receive ${opts.listName} email alerts at this address.`,
      `Open this link to confirm (it works for ${linkLifetime}):`,
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
