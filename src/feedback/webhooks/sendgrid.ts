import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import {
  cleanDiagnostic,
  enhancedStatus,
  isRecord,
  isoTime,
  malformed,
  normalizeMessageId,
  own,
  parseJson,
  recipient,
  str,
  unauthorized,
  type WebhookEvent,
  type WebhookEventKind,
} from './event.ts';

/**
 * SendGrid's signed Event Webhook: a JSON array of events, signed with ECDSA
 * P-256 over SHA-256 of `timestamp + raw body`. The signature covers the
 * whole body, so a replay can only repeat events (which the event ids absorb);
 * the timestamp window bounds how late a replay can come.
 * https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */

export const SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/**
 * The verification key as SendGrid's settings page shows it: base64 of the
 * DER SubjectPublicKeyInfo (a PEM is accepted too). Throws when it is not a
 * P-256 public key, so a bad setting fails at start, not on the first webhook.
 */
export function parseSendGridPublicKey(value: string): KeyObject {
  const v = value.trim();
  const key = v.includes('-----BEGIN')
    ? createPublicKey(v)
    : createPublicKey({ key: Buffer.from(v.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the SendGrid verification key must be an ECDSA P-256 public key');
  }
  return key;
}

export interface SendGridOptions {
  publicKey: KeyObject;
  maxSkewSec: number;
  now: number;
}

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
  const v = h[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

export function verifySendGrid(raw: Buffer, headers: Record<string, string | string[] | undefined>, o: SendGridOptions): void {
  const signature = header(headers, SIGNATURE_HEADER);
  const timestamp = header(headers, TIMESTAMP_HEADER);
  if (!signature || !timestamp) throw unauthorized('WEBHOOK_SIGNATURE_MISSING', 'The SendGrid signature headers are missing.');
  if (!/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) {
    throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'The SendGrid signature headers are not well formed.');
  }
  let ok = false;
  try {
    ok = verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), raw]), { key: o.publicKey, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    ok = false; // a signature that is not DER at all
  }
  if (!ok) throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'The SendGrid signature does not verify.');
  if (Math.abs(o.now / 1000 - Number(timestamp)) > o.maxSkewSec) throw unauthorized('WEBHOOK_STALE', 'The SendGrid signature timestamp is too far from now.');
}

/** `dropped` reasons that speak about the reader; the others (bad header, spam content, quota) speak about us. */
const DROPPED: Record<string, WebhookEventKind> = {
  'bounced address': 'hard-bounce',
  invalid: 'hard-bounce',
  'invalid email': 'hard-bounce',
  'spam reporting address': 'complaint',
  'unsubscribed address': 'unsubscribe',
};

function kindOf(e: Record<string, unknown>): WebhookEventKind {
  switch (e.event) {
    case 'bounce':
      // type "blocked": the receiving server refused the message for now (content, reputation), not the mailbox.
      return e.type === 'blocked' ? 'soft-bounce' : 'hard-bounce';
    case 'dropped':
      return own(DROPPED, str(e.reason)?.toLowerCase() ?? '') ?? 'ignored';
    case 'spamreport':
      return 'complaint';
    case 'unsubscribe':
    case 'group_unsubscribe': // briefwire sends one list: leaving its group is leaving
      return 'unsubscribe';
    case 'delivered':
      return 'delivered';
    default:
      // deferred: SendGrid keeps retrying and reports the outcome (delivered, bounce, blocked) later.
      // processed, open, click, group_resubscribe: nothing about a reader leaving.
      return 'ignored';
  }
}

export function parseSendGridEvents(raw: Buffer, receivedAt: string): WebhookEvent[] {
  const body = parseJson(raw);
  if (!Array.isArray(body)) throw malformed('body', 'A SendGrid Event Webhook body is a JSON array of events.');
  const events: WebhookEvent[] = [];
  for (const e of body) {
    // A signed batch is SendGrid's; one odd entry must not make it retry the others forever.
    const address = isRecord(e) ? recipient(e.email) : undefined;
    if (!isRecord(e) || !address || !str(e.event)) continue;
    const kind = kindOf(e);
    const messageId = normalizeMessageId(e['smtp-id']);
    const failure = kind !== 'delivered' && kind !== 'ignored';
    const status = failure ? enhancedStatus(e.status, e.reason) : undefined;
    const diagnostic = failure ? cleanDiagnostic(e.reason, e.response) : undefined;
    // sg_event_id is SendGrid's deduplication id; older payloads without it get one from what they do carry.
    const eventId = str(e.sg_event_id) ?? `${str(e.sg_message_id) ?? ''}:${String(e.event)}:${address}:${String(e.timestamp ?? '')}`;
    events.push({
      provider: 'sendgrid',
      eventId: `sendgrid:${eventId}`,
      kind,
      address,
      ...(messageId ? { messageId } : {}),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      at: isoTime(e.timestamp, receivedAt),
    });
  }
  return events;
}
