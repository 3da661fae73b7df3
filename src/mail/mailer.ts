/**
 * The mail edge. Messages arrive fully built (MIME encoded once, personal parts
 * spliced in); a Mailer only moves bytes. Two implementations: pooled SMTP and
 * the development outbox.
 */
export interface OutgoingMessage {
  /** Envelope sender (bare address). */
  from: string;
  /** Envelope recipient (bare address): exactly the subscriber's normalized address. */
  to: string;
  /** The whole RFC 5322 message, CRLF line ends only (SMTP sends it as is, dot-stuffed). */
  raw: Buffer | string;
  /**
   * The builder guarantees that no line of `raw` starts with "." (the bulk
   * message QP-encodes such dots as =2E), so SMTP need not search 35 KB per
   * recipient for dots to double.
   */
  noLineStartsWithDot?: boolean;
}

export interface SendReceipt {
  response: string;
  messageId?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  send(message: OutgoingMessage): Promise<SendReceipt>;
  /** Throws when the server cannot be reached (readiness). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** A failed send, with what we know about whether the server may have taken the message. */
export interface MailSendError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  /** True when every byte of the message was handed to the server: the outcome is then unknown. */
  dataHandedOver?: boolean;
}

/** The bare address of a `Name <addr>` string. */
export function envelopeAddress(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m ? m[1]! : from).trim();
}
