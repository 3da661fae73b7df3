import { addressOf, field, fieldsNamed, headerBlock, oneLine } from './fields.ts';
import type { ReportedKind, ReportedRecipient } from './types.ts';

/**
 * RFC 5965 feedback reports. The `message/feedback-report` part is one field
 * block: Feedback-Type (required), User-Agent, Version, Original-Mail-From,
 * Original-Rcpt-To (zero or more), Arrival-Date, Reported-Domain, Source-IP…
 *
 * | Feedback-Type | meaning for the reader | source |
 * | --- | --- | --- |
 * | abuse, fraud, virus, other | complaint | RFC 5965 §7.3 |
 * | opt-out, unsubscribe | unsubscribe | draft-ietf-marf-base (opt-out), provider FBLs |
 * | not-spam | unknown: the reader moved it out of spam | RFC 6430 |
 * | auth-failure | unknown: a DMARC/DKIM forensic report, not the reader | RFC 6591 |
 */

const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus', 'other']);
const UNSUBSCRIBE_TYPES = new Set(['opt-out', 'unsubscribe']);

export function kindForFeedbackType(feedbackType: string | undefined): ReportedKind {
  if (!feedbackType) return 'unknown';
  if (COMPLAINT_TYPES.has(feedbackType)) return 'complaint';
  if (UNSUBSCRIBE_TYPES.has(feedbackType)) return 'unsubscribe';
  return 'unknown';
}

export interface FeedbackFields {
  feedbackType?: string;
  userAgent?: string;
  arrivalDate?: string;
  originalMailFrom?: string;
  recipients: ReportedRecipient[];
}

export function readFeedbackReport(body: string, maxRecipients: number, maxChars: number): FeedbackFields {
  const fields = headerBlock(body, { maxChars, maxFields: 100 + maxRecipients, maxValueChars: 2000 });
  // "abuse", or a value with trailing comments some generators add.
  const feedbackType = field(fields, 'feedback-type')?.toLowerCase().split(/[\s;(]/, 1)[0] || undefined;
  const kind = kindForFeedbackType(feedbackType);
  const userAgent = field(fields, 'user-agent');
  const arrivalDate = field(fields, 'arrival-date') ?? field(fields, 'received-date');
  const originalMailFrom = addressOf(field(fields, 'original-mail-from'));
  const addresses = fieldsNamed(fields, 'original-rcpt-to')
    .map(addressOf)
    .filter((a): a is string => !!a);
  // Removal-Recipient (in the RFC's own example) names the reader when Original-Rcpt-To is absent.
  if (!addresses.length) {
    const removal = addressOf(field(fields, 'removal-recipient'));
    if (removal) addresses.push(removal);
  }
  const recipients: ReportedRecipient[] = addresses.slice(0, maxRecipients).map((address) => ({ kind, address }));
  // A report that names nobody (Yahoo and AOL redact the address) still says what happened.
  if (!recipients.length) recipients.push({ kind });
  return {
    ...(feedbackType ? { feedbackType } : {}),
    ...(userAgent ? { userAgent: oneLine(userAgent, 200) } : {}),
    ...(arrivalDate ? { arrivalDate: oneLine(arrivalDate, 100) } : {}),
    ...(originalMailFrom ? { originalMailFrom } : {}),
    recipients,
  };
}

/**
 * Microsoft's JMRP (Outlook.com, Hotmail) complaint is not ARF: a
 * multipart/mixed from staff@hotmail.com whose only part is the reported
 * message, with the complaining reader in its `X-HmXmrOriginalRecipient`
 * header. Source: sisimai set-of-emails arf-13, Microsoft JMRP documentation.
 */
export function isJmrp(from: string | undefined, hotmailRecipient: string | undefined): boolean {
  if (hotmailRecipient) return true;
  const sender = addressOf(from);
  return sender === 'staff@hotmail.com';
}
