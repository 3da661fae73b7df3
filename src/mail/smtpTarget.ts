import { hostname } from 'node:os';
import type { SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';

/** Nodemailer's timeouts, from config (SMTP_CONNECTION_TIMEOUT_MS, SMTP_GREETING_TIMEOUT_MS, SMTP_SOCKET_TIMEOUT_MS). */
export interface SmtpTimeouts {
  connectionMs: number;
  greetingMs: number;
  socketMs: number;
}

/** Where and how to reach the SMTP relay, read from SMTP_URL once. */
export interface SmtpTarget {
  /** What SMTPConnection is built with (TLS, timeouts, EHLO name). */
  connection: SMTPConnectionOptions;
  auth?: { user: string; pass: string };
  /** ?allowInsecureAuth=true: credentials may go over a connection without TLS (a relay on loopback). */
  allowInsecureAuth: boolean;
  /** host:port, for logs and the workers' health report (never the credentials). */
  label: string;
}

const flag = (v: string | null, fallback: boolean) => (v === null ? fallback : /^(1|true|yes)$/i.test(v));

export function parseSmtpUrl(url: string, timeouts: SmtpTimeouts): SmtpTarget {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const q = u.searchParams;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = u.port ? Number(u.port) : secure ? 465 : 587;
  const machine = hostname();
  return {
    connection: {
      host,
      port,
      secure,
      requireTLS: flag(q.get('requireTLS'), false),
      ignoreTLS: flag(q.get('ignoreTLS'), false),
      tls: { rejectUnauthorized: flag(q.get('rejectUnauthorized') ?? q.get('tls.rejectUnauthorized'), true) },
      // A bare host name is not a valid EHLO argument for many relays; an address literal is.
      name: q.get('name') ?? (machine.includes('.') ? machine : '[127.0.0.1]'),
      connectionTimeout: timeouts.connectionMs,
      greetingTimeout: timeouts.greetingMs,
      socketTimeout: timeouts.socketMs,
      // Closing a connection should not keep a shutdown waiting on the relay's FIN.
      socketCloseTimeout: 1_000,
      logger: false,
    },
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    allowInsecureAuth: flag(q.get('allowInsecureAuth'), false),
    label: `${host}:${port}`,
  };
}
