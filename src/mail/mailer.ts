/**
 * The mail edge. Messages arrive fully built (MIME encoded once, personal parts
 * spliced in); a Mailer only moves bytes. Two implementations: Nodemailer's
 * SMTPConnection in a pool (smtpMailer.ts) and the development outbox.
 */
export interface OutgoingMessage {
  /** Envelope sender (bare address). */
  from: string;
  /** Envelope recipient (bare address): exactly the subscriber's normalized address. */
  to: string;
  /** The whole RFC 5322 message, CRLF line ends only; it goes out as it is, never re-composed. */
  raw: Buffer | string;
}

export interface SendReceipt {
  response: string;
}

/** Where in the SMTP conversation a send failed. `message` is the reply to the final dot. */
export type SmtpPhase = 'connect' | 'greeting' | 'ehlo' | 'starttls' | 'auth' | 'mail' | 'rcpt' | 'data' | 'message';

/** What a worker knows of its relay: shown by GET /api/status and /admin. */
export interface MailerHealth {
  kind: 'smtp' | 'outbox';
  /** host:port of the relay (never the credentials). */
  relay?: string;
  lastOkAt?: string;
  lastError?: { at: string; phase: SmtpPhase; code: string; kind: string; reply: string };
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(message: OutgoingMessage): Promise<SendReceipt>;
  health(): MailerHealth;
  /** Stops new sends and cuts the ones in flight (a cut after the final byte is then uncertain). */
  close(): Promise<void>;
}

/** A failed send: its phase, the reply, and whether the server may have taken the message. */
export interface MailSendError extends Error {
  /** Nodemailer's error code (ECONNECTION, ETIMEDOUT, EAUTH, EENVELOPE, EMESSAGE…), or EINSECUREAUTH. */
  code?: string;
  phase?: SmtpPhase;
  responseCode?: number;
  response?: string;
  /** RFC 3463 status from the reply ("5.1.1"). */
  enhancedStatus?: string;
  /** True when every byte of the message was handed to the transport: the outcome is then unknown. */
  dataHandedOver?: boolean;
}

/** The bare address of a `Name <addr>` string. */
export function envelopeAddress(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m ? m[1]! : from).trim();
}
