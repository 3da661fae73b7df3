/**
 * What a bounce or complaint message says, as read by `parseFeedbackMessage`.
 * Pure data: nothing here has touched a subscriber yet.
 */

/** Which reading produced the report. */
export type ReportType = 'dsn' | 'arf' | 'auto-reply' | 'bounce-heuristic' | 'unknown';

/**
 * What the report means for one reader. The first four are the policy's
 * (`src/feedback/policy.ts`) feedback kinds; `auto-reply` and `unknown` are
 * read and then ignored (a delay warning, a DMARC failure report, a message
 * that only looks like a bounce).
 */
export type ReportedKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'auto-reply' | 'unknown';

/**
 * Why a failure is what it is, when the status or the text says so. Stable
 * strings: operators filter on them.
 */
export type FailureReason =
  | 'user-unknown'
  | 'host-unknown'
  | 'mailbox-disabled'
  | 'moved'
  | 'mailbox-full'
  | 'message-too-large'
  | 'blocked'
  | 'spam-filtered'
  | 'policy'
  | 'expired'
  | 'network'
  | 'other';

export interface ReportedRecipient {
  kind: ReportedKind;
  /** Final-Recipient, Original-Rcpt-To or the address a non-standard bounce names; lower-cased domain. */
  address?: string;
  /** Original-Recipient, when the DSN gives one that differs. */
  originalAddress?: string;
  /** RFC 3463 enhanced status, e.g. "5.1.1". */
  status?: string;
  /** DSN Action: failed, delayed, delivered, relayed, expanded. */
  action?: string;
  /** The remote server's reply or the report's own words, one line, at most 1000 characters. */
  diagnostic?: string;
  remoteMta?: string;
  reason?: FailureReason;
}

/** Ids from the enclosed original's Message-ID (`<dispatch.subscriber.tag@domain>`). */
export interface BriefwireMessageIds {
  dispatchId: string;
  subscriberId: string;
  /** The dispatch's random id tag; absent on ids minted before tags existed. */
  tag?: string;
  /** Right-hand side of the Message-ID. */
  domain: string;
}

/** Why a message could not be read as a report. Stable strings. */
export type UnreadableReason =
  | 'too-large'
  | 'header-too-large'
  | 'too-many-parts'
  | 'too-deep'
  | 'mime-unreadable'
  | 'not-a-report';

export interface FeedbackReport {
  type: ReportType;
  recipients: ReportedRecipient[];
  /** Message-ID of the enclosed original (or of the message the report answers), with angle brackets. */
  originalMessageId?: string;
  /** Parsed from `originalMessageId` when it is one of ours. */
  ids?: BriefwireMessageIds;
  /** ARF Feedback-Type, lower-cased. */
  feedbackType?: string;
  /** ARF User-Agent. */
  userAgent?: string;
  /** ARF Arrival-Date (or Received-Date), as written. */
  arrivalDate?: string;
  /** DSN Reporting-MTA. */
  reportingMta?: string;
  /**
   * Addresses that may carry our VERP token: the report's Delivered-To,
   * X-Original-To, To and Envelope-To, the ARF Original-Mail-From and the
   * enclosure's Return-Path. Untrusted: only a token whose MAC checks counts.
   */
  envelopeHints: string[];
  /** Subject of the report itself, decoded, at most 200 characters (for operators). */
  subject?: string;
  /** Set when `type` is 'unknown': why. */
  reason?: UnreadableReason;
  /** A short operator-facing note on how the report was read (which heuristic matched). */
  note?: string;
}

export interface ParseLimits {
  /** Refuse larger messages outright. */
  maxBytes: number;
  /** Largest header block of one MIME part that the MIME parser accepts. */
  maxHeaderBytes: number;
  /** Most MIME parts (all levels) considered. */
  maxParts: number;
  /**
   * Most `boundary=` declarations in the raw bytes (every multipart level has one, so this
   * bounds the nesting before anything is parsed).
   */
  maxBoundaries: number;
  /** Most recipients kept from one report. */
  maxRecipients: number;
  /** Characters of any one text part (and of the delivery-status fields) read by the heuristics. */
  maxTextChars: number;
}
