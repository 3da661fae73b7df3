/**
 * BOUNCE_IMAP_URL, read once: `imaps://user:pass@host[:port]/MAILBOX`. The
 * URL carries a password, so it is never sent in cleartext: `imaps` is TLS
 * from the first byte, `imap` must upgrade with STARTTLS, and only
 * `allowInsecure` (tests against a local server) lets `imap` stay plain.
 */

export type ImapUrlErrorCode = 'IMAP_URL_INVALID' | 'IMAP_URL_NO_CREDENTIALS';

export class ImapUrlError extends Error {
  readonly code: ImapUrlErrorCode;
  constructor(code: ImapUrlErrorCode, message: string) {
    super(message);
    this.name = 'ImapUrlError';
    this.code = code;
  }
}

export interface ImapTarget {
  host: string;
  port: number;
  /** TLS from the start (imaps). */
  secure: boolean;
  /** For imap: true requires STARTTLS, undefined upgrades only when offered (allowInsecure). */
  doSTARTTLS: boolean | undefined;
  user: string;
  pass: string;
  mailbox: string;
}

/** Messages never quote the URL: it holds the password. */
export function imapTarget(url: string, opts: { allowInsecure: boolean }): ImapTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ImapUrlError('IMAP_URL_INVALID', 'the bounce IMAP URL is not a URL (expected imaps://user:pass@host/INBOX)');
  }
  if (u.protocol !== 'imaps:' && u.protocol !== 'imap:') {
    throw new ImapUrlError('IMAP_URL_INVALID', `the bounce IMAP URL must start with imaps:// (or imap:// with STARTTLS), not ${u.protocol}//`);
  }
  if (!u.hostname) throw new ImapUrlError('IMAP_URL_INVALID', 'the bounce IMAP URL has no host');
  const secure = u.protocol === 'imaps:';
  let user: string;
  let pass: string;
  let mailbox: string;
  try {
    user = decodeURIComponent(u.username);
    pass = decodeURIComponent(u.password);
    mailbox = decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX';
  } catch {
    throw new ImapUrlError('IMAP_URL_INVALID', 'the bounce IMAP URL has a malformed %-escape');
  }
  if (!user || !pass) throw new ImapUrlError('IMAP_URL_NO_CREDENTIALS', 'the bounce IMAP URL needs a user and a password (imaps://user:pass@host/INBOX)');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    doSTARTTLS: secure ? undefined : opts.allowInsecure ? undefined : true,
    user,
    pass,
    mailbox,
  };
}
