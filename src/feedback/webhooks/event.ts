/**
 * What every relay webhook is reduced to: one event per reader, in briefwire's
 * words, so a bounce means the same thing whichever relay reported it. The
 * parsers in this folder produce these; the lead's intake applies the policy.
 */

export type WebhookProvider = 'ses' | 'mailgun' | 'sendgrid' | 'postmark';

/**
 * `ignored` is an event we understood and deliberately do nothing with (an
 * open, a deferral the relay is still retrying, a `not-spam` report): it is
 * counted in the reply but never handed to the intake.
 */
export type WebhookEventKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe' | 'delivered' | 'ignored';

export interface WebhookEvent {
  provider: WebhookProvider;
  /** Stable across the provider's retries of the same event: the idempotency key. */
  eventId: string;
  kind: WebhookEventKind;
  /** The recipient as the provider spelled it (trimmed); the intake normalizes it. */
  address: string;
  /** The Message-ID header of our message, `<...>`, when the provider echoes it (never the relay's own id). */
  messageId?: string;
  /** RFC 3463 enhanced status, e.g. "5.1.1". */
  status?: string;
  /** The remote server's words, addresses masked, at most 500 characters. */
  diagnostic?: string;
  /** ISO 8601, UTC: when the provider says it happened. */
  at: string;
}

/**
 * Why a request was turned away. Domain code says what is wrong; the routes
 * decide the HTTP status (`malformed` 400, `unauthorized` 401, `unavailable` 503).
 */
export type RejectionKind = 'malformed' | 'unauthorized' | 'unavailable';

export class WebhookRejection extends Error {
  constructor(
    readonly kind: RejectionKind,
    readonly code: string,
    message: string,
    /** For `malformed`: the field at fault, dotted from the top of the payload. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const malformed = (field: string, message: string) => new WebhookRejection('malformed', 'WEBHOOK_PAYLOAD_INVALID', message, field);
export const unauthorized = (code: string, message: string) => new WebhookRejection('unauthorized', code, message);

export function parseJson(raw: Buffer | string, field = 'body'): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    throw new WebhookRejection('malformed', 'INVALID_JSON', 'The body is not valid JSON.', field);
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `table[key]` for the table's own keys only: a payload saying "constructor" or "__proto__" finds nothing. */
export const own = <T>(table: Readonly<Record<string, T>>, key: string): T | undefined => (Object.hasOwn(table, key) ? table[key] : undefined);

export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** `<id>` whatever the provider did with the brackets (Mailgun drops them, SES keeps them). */
export function normalizeMessageId(v: unknown): string | undefined {
  const s = str(v)?.replace(/^<+|>+$/g, '').trim();
  return s && s.length <= 998 && !/[\s<>]/.test(s) ? `<${s}>` : undefined;
}

const ENHANCED_STATUS = /\b([245]\.\d{1,3}\.\d{1,3})\b/;

/** The RFC 3463 code in a field that is one ("5.1.1") or in a reply text that contains one. */
export function enhancedStatus(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const m = typeof c === 'string' ? ENHANCED_STATUS.exec(c) : null;
    if (m) return m[1];
  }
  return undefined;
}

// Diagnostics end up in operator views and the consent log, which carry no addresses.
const ADDRESS = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g;

export function cleanDiagnostic(...candidates: unknown[]): string | undefined {
  const s = candidates.map(str).find(Boolean);
  if (!s) return undefined;
  const masked = s.replace(ADDRESS, '[address]').replace(/\s+/g, ' ');
  return masked.length > 500 ? `${masked.slice(0, 499)}…` : masked;
}

/** A recipient worth an event: something@something, no longer than RFC 5321 allows. */
export function recipient(v: unknown): string | undefined {
  const s = str(v);
  return s && s.length <= 320 && /^[^\s@]+@[^\s@]+$/.test(s) ? s : undefined;
}

/** ISO 8601 UTC from an ISO string, or from Unix seconds (Mailgun sends fractions); `fallback` otherwise. */
export function isoTime(v: unknown, fallback: string): string {
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' && v.trim() ? Date.parse(v) : NaN;
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : fallback;
}
