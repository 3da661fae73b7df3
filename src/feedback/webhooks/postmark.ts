import { createHash, timingSafeEqual } from 'node:crypto';
import {
  cleanDiagnostic,
  enhancedStatus,
  isRecord,
  isoTime,
  malformed,
  own,
  parseJson,
  recipient,
  str,
  unauthorized,
  type WebhookEvent,
  type WebhookEventKind,
} from './event.ts';

/**
 * Postmark webhooks carry no signature: the webhook URL holds HTTP Basic
 * credentials (https://user:password@host/webhooks/postmark), which is all
 * that tells Postmark from anyone else. One record per POST, by RecordType.
 * https://postmarkapp.com/developer/webhooks/webhooks-overview
 */

/** `user:password` from POSTMARK_WEBHOOK_AUTH; throws (at start) when either half is empty. */
export function parsePostmarkAuth(value: string): string {
  const i = value.indexOf(':');
  if (i < 1 || i === value.length - 1) throw new Error('POSTMARK_WEBHOOK_AUTH must be user:password');
  return value;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant time over the whole `user:password`, whatever its length. */
export function verifyPostmarkAuth(authorization: string | undefined, expected: string): void {
  const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorization ?? '');
  const given = m ? Buffer.from(m[1], 'base64').toString('utf8') : '';
  if (!timingSafeEqual(digest(given), digest(expected)) || !m) {
    throw unauthorized('WEBHOOK_AUTH_INVALID', 'The webhook credentials are missing or wrong.');
  }
}

/**
 * Postmark's bounce types (https://postmarkapp.com/developer/api/bounce-api#bounce-types)
 * that say something about the reader. The rest (AutoResponder, OpenRelayTest,
 * ChallengeVerification, VirusNotification, Subscribe, AddressChange, Unknown,
 * ManuallyDeactivated, Unconfirmed, SMTPApiError, InboundError, DMARCPolicy,
 * TemplateRenderingFailed) are about us, Postmark, or nothing, and are ignored.
 */
const BOUNCE_TYPES: Record<string, WebhookEventKind> = {
  // "unable to deliver (ex: unknown user, mailbox not found)", "not a valid email address"
  HardBounce: 'hard-bounce',
  BadEmailAddress: 'hard-bounce',
  // "could not temporarily deliver", "a temporary DNS error", "unable to temporarily deliver (mailbox full...)"
  Transient: 'soft-bounce',
  DnsError: 'soft-bounce',
  SoftBounce: 'soft-bounce',
  // refused for content, reputation or blocklisting: may pass another day
  Blocked: 'soft-bounce',
  SpamNotification: 'soft-bounce',
  Unsubscribe: 'unsubscribe',
  SpamComplaint: 'complaint',
};

/** Postmark's suppression reasons; a reactivation (SuppressSending false) changes nothing here. */
const SUPPRESSION_REASONS: Record<string, WebhookEventKind> = {
  HardBounce: 'hard-bounce',
  SpamComplaint: 'complaint',
  // The reader used Postmark's unsubscribe link, or someone suppressed them by hand.
  ManualSuppression: 'unsubscribe',
};

function need(v: unknown, field: string): string {
  const address = recipient(v);
  if (!address) throw malformed(field, `${field} is required.`);
  return address;
}

/**
 * Event ids are built from MessageID and the record's own fields, not from
 * `ID`: Postmark's IDs are 64-bit integers that JSON.parse rounds, so two
 * bounces could share one.
 */
export function parsePostmarkRecord(raw: Buffer, receivedAt: string): WebhookEvent[] {
  const r = parseJson(raw);
  if (!isRecord(r)) throw malformed('body', 'A Postmark webhook is a JSON object.');
  const recordType = str(r.RecordType);
  if (!recordType) throw malformed('RecordType', 'RecordType is required.');
  const messageRef = str(r.MessageID) ?? '';

  switch (recordType) {
    case 'Bounce':
    case 'SpamComplaint': {
      const address = need(r.Email, 'Email');
      const type = str(r.Type) ?? recordType;
      const kind = recordType === 'SpamComplaint' ? 'complaint' : (own(BOUNCE_TYPES, type) ?? 'ignored');
      const status = enhancedStatus(r.Details);
      const diagnostic = cleanDiagnostic(r.Details, r.Description);
      return [
        {
          provider: 'postmark',
          eventId: `postmark:${recordType}:${messageRef}:${type}:${address}:${str(r.BouncedAt) ?? ''}`,
          kind,
          address,
          ...(status && kind !== 'complaint' ? { status } : {}),
          ...(diagnostic ? { diagnostic } : {}),
          at: isoTime(r.BouncedAt, receivedAt),
        },
      ];
    }
    case 'SubscriptionChange': {
      const address = need(r.Recipient, 'Recipient');
      const suppress = r.SuppressSending === true;
      const reason = str(r.SuppressionReason) ?? '';
      return [
        {
          provider: 'postmark',
          eventId: `postmark:SubscriptionChange:${messageRef}:${address}:${str(r.ChangedAt) ?? ''}:${suppress}`,
          kind: suppress ? (own(SUPPRESSION_REASONS, reason) ?? 'ignored') : 'ignored',
          address,
          ...(reason ? { diagnostic: `suppression ${suppress ? 'added' : 'removed'}: ${cleanDiagnostic(reason)}` } : {}),
          at: isoTime(r.ChangedAt, receivedAt),
        },
      ];
    }
    case 'Delivery': {
      const address = need(r.Recipient, 'Recipient');
      const diagnostic = cleanDiagnostic(r.Details);
      return [
        {
          provider: 'postmark',
          eventId: `postmark:Delivery:${messageRef}:${address}`,
          kind: 'delivered',
          address,
          ...(diagnostic ? { diagnostic } : {}),
          at: isoTime(r.DeliveredAt, receivedAt),
        },
      ];
    }
    default:
      // Open, Click, Inbound...: nothing about a reader leaving.
      return [];
  }
}
