import { isJmrp, readFeedbackReport } from './arf.ts';
import { isAutoReply } from './autoReply.ts';
import { readDeliveryStatus } from './dsn.ts';
import { addressOf, oneLine } from './fields.ts';
import { readHeuristicBounce } from './heuristics.ts';
import { limitsWith, precheck } from './limits.ts';
import { readMime, type MimeMessage, type MimePart } from './mime.ts';
import { briefwireIds, normalizeMessageId, originalFromPart, originalFromText, type Original } from './original.ts';
import type { FeedbackReport, ParseLimits, ReportedRecipient, UnreadableReason } from './types.ts';

/**
 * Reads one message that came back to the bounce address: a DSN, a feedback
 * report, a non-standard bounce or an auto-reply. Never throws: a message it
 * cannot read comes back as type 'unknown' with a reason, for the caller to
 * keep for an operator.
 *
 * Order: the machine-readable parts first (a feedback-report part, then a
 * delivery-status part), then the MTA heuristics, then the auto-reply signals
 * (bounces carry `Auto-Submitted` too, so that test comes last).
 */

export interface ParseOptions {
  /** RCPT TO of the SMTP session that delivered the message (they hold the VERP token). */
  envelopeTo?: string[];
  limits?: Partial<ParseLimits>;
}

const DELIVERY_STATUS = new Set(['message/delivery-status', 'message/global-delivery-status']);
const FEEDBACK_REPORT = 'message/feedback-report';
const ENCLOSURES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/rfc822-headers', 'text/rfc822-header']);
const HINT_HEADERS = ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'to'];
const MAX_HINTS = 12;

function unknown(reason: UnreadableReason, note?: string, envelopeHints: string[] = []): FeedbackReport {
  return { type: 'unknown', recipients: [], envelopeHints, reason, ...(note ? { note } : {}) };
}

function headerValues(message: MimeMessage, name: string): string[] {
  return message.headers.filter(([n]) => n === name).map(([, v]) => v);
}

function envelopeHints(message: MimeMessage, envelopeTo: string[]): string[] {
  const hints: string[] = [];
  const add = (value: string | undefined) => {
    const a = addressOf(value);
    if (a && hints.length < MAX_HINTS && !hints.includes(a)) hints.push(a);
  };
  envelopeTo.forEach(add);
  for (const name of HINT_HEADERS) for (const v of headerValues(message, name)) v.split(',').forEach(add);
  return hints;
}

function partText(part: MimePart, maxChars: number): string {
  return part.content.subarray(0, maxChars * 4).toString('utf8').slice(0, maxChars);
}

/** The id of the message a report answers: the enclosure's, else an In-Reply-To/References of ours. */
function answeredMessageId(message: MimeMessage, original: Original): string | undefined {
  if (original.messageId) return original.messageId;
  for (const name of ['in-reply-to', 'references']) {
    for (const v of headerValues(message, name)) {
      for (const token of v.split(/\s+/, 20)) {
        const id = normalizeMessageId(token);
        if (briefwireIds(id)) return id;
      }
    }
  }
  return undefined;
}

export async function parseFeedbackMessage(raw: Buffer | Uint8Array, options: ParseOptions = {}): Promise<FeedbackReport> {
  const limits = limitsWith(options.limits);
  const envelopeTo = (options.envelopeTo ?? []).slice(0, MAX_HINTS);
  try {
    const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const refused = precheck(bytes, limits);
    if (refused) return unknown(refused, undefined, envelopeTo);
    const mime = await readMime(bytes, limits);
    if (!mime.ok) return unknown(mime.reason, mime.detail, envelopeTo);
    return readReport(mime.message, limits, envelopeTo);
  } catch (err) {
    // A bug or an input nothing above foresaw: still a message to keep, not a crash.
    return unknown('mime-unreadable', oneLine(err instanceof Error ? err.message : String(err), 200), envelopeTo);
  }
}

function readReport(message: MimeMessage, limits: ParseLimits, envelopeTo: string[]): FeedbackReport {
  const hints = envelopeHints(message, envelopeTo);
  const enclosure = message.parts.find((p) => ENCLOSURES.has(p.contentType));
  let original: Original = enclosure ? originalFromPart(enclosure.content) : {};
  const base = (): FeedbackReport => {
    const originalMessageId = answeredMessageId(message, original);
    const ids = briefwireIds(originalMessageId);
    if (original.returnPath && hints.length < MAX_HINTS && !hints.includes(original.returnPath)) hints.push(original.returnPath);
    return {
      type: 'unknown',
      recipients: [],
      envelopeHints: hints,
      ...(originalMessageId ? { originalMessageId } : {}),
      ...(ids ? { ids } : {}),
      ...(message.subject ? { subject: message.subject } : {}),
    };
  };

  const feedback = message.parts.find((p) => p.contentType === FEEDBACK_REPORT);
  if (feedback) {
    const f = readFeedbackReport(partText(feedback, limits.maxTextChars), limits.maxRecipients, limits.maxTextChars);
    if (f.originalMailFrom && hints.length < MAX_HINTS && !hints.includes(f.originalMailFrom)) hints.push(f.originalMailFrom);
    const report = base();
    report.type = 'arf';
    report.recipients = f.recipients;
    if (f.feedbackType) report.feedbackType = f.feedbackType;
    if (f.userAgent) report.userAgent = f.userAgent;
    if (f.arrivalDate) report.arrivalDate = f.arrivalDate;
    return report;
  }

  const dsnPart = message.parts.find((p) => DELIVERY_STATUS.has(p.contentType));
  if (dsnPart) {
    const dsn = readDeliveryStatus(partText(dsnPart, limits.maxTextChars), limits.maxRecipients, limits.maxTextChars);
    if (dsn.recipients.length) {
      const report = base();
      report.type = 'dsn';
      report.recipients = dsn.recipients;
      if (dsn.reportingMta) report.reportingMta = oneLine(dsn.reportingMta, 255);
      return report;
    }
  }

  // After the DSN: a bounce of a message that happened to carry X-HmXmrOriginalRecipient is still a bounce.
  const from = headerValues(message, 'from')[0];
  if (enclosure && enclosure.contentType !== 'text/rfc822-headers' && isJmrp(from, original.hotmailRecipient)) {
    const report = base();
    report.type = 'arf';
    report.feedbackType = 'abuse';
    report.note = 'Microsoft JMRP complaint';
    report.recipients = [{ kind: 'complaint', ...(original.hotmailRecipient ? { address: original.hotmailRecipient } : {}) }];
    return report;
  }

  const bounce = readHeuristicBounce({ text: message.text, headers: message.headers, ...(message.subject ? { subject: message.subject } : {}), maxRecipients: limits.maxRecipients });
  if (bounce) {
    if (!enclosure) original = originalFromText(message.text)?.original ?? {};
    const report = base();
    report.type = 'bounce-heuristic';
    report.recipients = bounce.recipients;
    report.note = dsnPart ? `${bounce.note}; its delivery-status part named no recipient` : bounce.note;
    return report;
  }

  if (isAutoReply(message.headers, message.subject)) {
    const report = base();
    report.type = 'auto-reply';
    const replier = addressOf(from);
    const r: ReportedRecipient = { kind: 'auto-reply', ...(replier ? { address: replier } : {}) };
    report.recipients = [r];
    return report;
  }

  const report = base();
  report.reason = 'not-a-report';
  return report;
}
