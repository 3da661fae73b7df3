import { hostname } from 'node:os';

/** Where and how to reach the SMTP relay, read from SMTP_URL once. */
export interface SmtpTarget {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte. Otherwise STARTTLS whenever the server offers it. */
  secure: boolean;
  /** ?requireTLS=true: refuse to send in the clear when STARTTLS is not offered. */
  requireTLS: boolean;
  /** ?ignoreTLS=true: never upgrade (a local relay with a broken certificate setup). */
  ignoreTLS: boolean;
  /** ?rejectUnauthorized=false: accept a self-signed certificate. */
  rejectUnauthorized: boolean;
  auth?: { user: string; pass: string };
  /** The name we greet with (EHLO); ?name=… overrides the machine's host name. */
  name: string;
  timeoutMs: number;
}

const flag = (v: string | null, fallback: boolean) => (v === null ? fallback : /^(1|true|yes)$/i.test(v));

export function parseSmtpUrl(url: string, timeoutMs: number): SmtpTarget {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const q = u.searchParams;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const machine = hostname();
  return {
    host,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: flag(q.get('requireTLS'), false),
    ignoreTLS: flag(q.get('ignoreTLS'), false),
    rejectUnauthorized: flag(q.get('rejectUnauthorized') ?? q.get('tls.rejectUnauthorized'), true),
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    // A bare host name is not a valid EHLO argument for many relays; an address literal is.
    name: q.get('name') ?? (machine.includes('.') ? machine : '[127.0.0.1]'),
    timeoutMs,
  };
}
