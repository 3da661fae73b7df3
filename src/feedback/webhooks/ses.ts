import {
  cleanDiagnostic,
  enhancedStatus,
  isRecord,
  isoTime,
  malformed,
  normalizeMessageId,
  parseJson,
  recipient,
  str,
  type WebhookEvent,
  type WebhookEventKind,
} from './event.ts';

/**
 * The SES notification inside a verified SNS Notification: Bounce, Complaint
 * or Delivery, as a feedback notification (`notificationType`) or an event
 * publishing record (`eventType`), one event per recipient.
 * https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html
 */

/**
 * Our Message-ID: the original header, which SES echoes in `mail.headers` and
 * `mail.commonHeaders`. `mail.messageId` is SES's own id, not our header, and
 * when we set none SES copies its own into commonHeaders: that is not ours either.
 */
function ourMessageId(mail: Record<string, unknown>): string | undefined {
  const headers = Array.isArray(mail.headers) ? mail.headers : [];
  for (const h of headers) {
    if (isRecord(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'message-id') return normalizeMessageId(h.value);
  }
  const common = isRecord(mail.commonHeaders) ? str(mail.commonHeaders.messageId) : undefined;
  return common && common !== str(mail.messageId) ? normalizeMessageId(common) : undefined;
}

function bounceKind(bounceType: string | undefined, action: unknown): WebhookEventKind {
  // A per-recipient DSN action of "delayed" is not a final failure, whatever the bounce as a whole says.
  if (action === 'delayed') return 'soft-bounce';
  // Transient and Undetermined may succeed later; only Permanent means the address is gone.
  return bounceType === 'Permanent' ? 'hard-bounce' : 'soft-bounce';
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) throw malformed(field, `${field} must be a list.`);
  return v;
}

/**
 * `snsMessageId` and `snsTimestamp` come from the verified envelope: the
 * fallbacks when SES leaves out a feedbackId or a timestamp.
 */
export function parseSesNotification(message: string, snsMessageId: string, snsTimestamp: string): WebhookEvent[] {
  const n = parseJson(message, 'Message');
  if (!isRecord(n)) throw malformed('Message', 'The SES notification is a JSON object.');
  const type = str(n.eventType) ?? str(n.notificationType);
  if (!type) throw malformed('Message.notificationType', 'The SES notification has no notificationType or eventType.');
  const mail = isRecord(n.mail) ? n.mail : {};
  const messageId = ourMessageId(mail);
  const base = { provider: 'ses' as const, ...(messageId ? { messageId } : {}) };
  const fallbackAt = isoTime(snsTimestamp, new Date().toISOString());
  const events: WebhookEvent[] = [];

  if (type === 'Bounce') {
    const b = isRecord(n.bounce) ? n.bounce : null;
    if (!b) throw malformed('Message.bounce', 'A Bounce notification carries a bounce object.');
    const feedbackId = str(b.feedbackId) ?? snsMessageId;
    const at = isoTime(b.timestamp, fallbackAt);
    for (const r of list(b.bouncedRecipients, 'Message.bounce.bouncedRecipients')) {
      const address = isRecord(r) ? recipient(r.emailAddress) : undefined;
      if (!isRecord(r) || !address) continue;
      const status = enhancedStatus(r.status, r.diagnosticCode);
      const diagnostic = cleanDiagnostic(r.diagnosticCode);
      events.push({
        ...base,
        eventId: `ses:bounce:${feedbackId}:${address}`,
        kind: bounceKind(str(b.bounceType), r.action),
        address,
        ...(status ? { status } : {}),
        ...(diagnostic ? { diagnostic } : {}),
        at,
      });
    }
  } else if (type === 'Complaint') {
    const c = isRecord(n.complaint) ? n.complaint : null;
    if (!c) throw malformed('Message.complaint', 'A Complaint notification carries a complaint object.');
    const feedbackId = str(c.feedbackId) ?? snsMessageId;
    const feedbackType = str(c.complaintFeedbackType);
    const at = isoTime(c.timestamp, fallbackAt);
    for (const r of list(c.complainedRecipients, 'Message.complaint.complainedRecipients')) {
      const address = isRecord(r) ? recipient(r.emailAddress) : undefined;
      if (!address) continue;
      events.push({
        ...base,
        eventId: `ses:complaint:${feedbackId}:${address}`,
        // "not-spam" is the ISP correcting an earlier report, not a complaint.
        kind: feedbackType === 'not-spam' ? 'ignored' : 'complaint',
        address,
        ...(feedbackType ? { diagnostic: `feedback type ${cleanDiagnostic(feedbackType)}` } : {}),
        at,
      });
    }
  } else if (type === 'Delivery') {
    const d = isRecord(n.delivery) ? n.delivery : null;
    if (!d) throw malformed('Message.delivery', 'A Delivery notification carries a delivery object.');
    const sesId = str(mail.messageId) ?? snsMessageId;
    const at = isoTime(d.timestamp, fallbackAt);
    const diagnostic = cleanDiagnostic(d.smtpResponse);
    for (const r of list(d.recipients, 'Message.delivery.recipients')) {
      const address = recipient(r);
      if (!address) continue;
      events.push({ ...base, eventId: `ses:delivery:${sesId}:${address}`, kind: 'delivered', address, ...(diagnostic ? { diagnostic } : {}), at });
    }
  }
  // Send, Reject, Open, Click, DeliveryDelay, Subscription...: nothing about a reader leaving.
  return events;
}
