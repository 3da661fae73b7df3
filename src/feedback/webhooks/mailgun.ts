import { createHmac, timingSafeEqual } from 'node:crypto';
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
import { guardKey, type ReplayGuard } from './replayGuard.ts';

/**
 * Mailgun webhooks (the JSON kind, one event per POST):
 * `{ "signature": { timestamp, token, signature }, "event-data": {...} }`.
 * The HMAC covers only timestamp + token, not the event data, so a token
 * must be usable once: otherwise a captured signature vouches for any payload.
 * https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 */

export interface MailgunOptions {
  /** The HTTP webhook signing key from the Mailgun control panel. */
  signingKey: string;
  /** How far the signed timestamp may be from our clock. */
  maxSkewSec: number;
  replayGuard: ReplayGuard;
  now: number;
}

export interface MailgunPayload {
  signature: { timestamp: string; token: string; signature: string; parentSignature?: string };
  eventData: Record<string, unknown>;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function parseMailgunPayload(raw: Buffer): MailgunPayload {
  const body = parseJson(raw);
  if (!isRecord(body)) throw malformed('body', 'A Mailgun webhook is a JSON object.');
  const sig = body.signature;
  if (!isRecord(sig)) throw malformed('signature', 'signature is required.');
  const timestamp = typeof sig.timestamp === 'number' ? String(sig.timestamp) : sig.timestamp;
  if (typeof timestamp !== 'string' || !/^\d{1,12}$/.test(timestamp)) throw malformed('signature.timestamp', 'signature.timestamp must be Unix seconds.');
  if (typeof sig.token !== 'string' || sig.token.length < 1 || sig.token.length > 256) throw malformed('signature.token', 'signature.token is required.');
  if (typeof sig.signature !== 'string' || !HEX_SHA256.test(sig.signature)) throw malformed('signature.signature', 'signature.signature must be a hex HMAC-SHA256.');
  const parent = sig['parent-signature'];
  const eventData = body['event-data'];
  if (!isRecord(eventData)) throw malformed('event-data', 'event-data is required.');
  return {
    signature: { timestamp, token: sig.token, signature: sig.signature, ...(typeof parent === 'string' && HEX_SHA256.test(parent) ? { parentSignature: parent } : {}) },
    eventData,
  };
}

const sameHex = (a: string, b: string) => timingSafeEqual(Buffer.from(a.toLowerCase(), 'latin1'), Buffer.from(b.toLowerCase(), 'latin1'));

/** Signature, then freshness, then the one-time token: a forgery never burns a token. */
export async function verifyMailgun(p: MailgunPayload, o: MailgunOptions): Promise<void> {
  const { timestamp, token, signature, parentSignature } = p.signature;
  const expected = createHmac('sha256', o.signingKey).update(timestamp + token).digest('hex');
  // A subaccount's events are also signed with the parent account's key, in parent-signature.
  const ok = sameHex(expected, signature) || (parentSignature !== undefined && sameHex(expected, parentSignature));
  if (!ok) throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'The Mailgun signature does not verify.');
  if (Math.abs(o.now / 1000 - Number(timestamp)) > o.maxSkewSec) throw unauthorized('WEBHOOK_STALE', 'The Mailgun signature timestamp is too far from now.');
  // A token outlives its timestamp's window, after which WEBHOOK_STALE stops it anyway.
  if (!(await o.replayGuard.firstTime(guardKey('mailgun-token', token), o.maxSkewSec * 2 + 60))) {
    throw unauthorized('WEBHOOK_REPLAYED', 'This Mailgun token was already used.');
  }
}

function failedKind(e: Record<string, unknown>): WebhookEventKind {
  const severity = str(e.severity);
  if (severity === 'temporary') return 'soft-bounce';
  if (severity !== 'permanent') return 'ignored';
  // Mailgun refusing to send because the address is on one of its suppression lists.
  if (e.reason === 'suppress-unsubscribe') return 'unsubscribe';
  if (e.reason === 'suppress-complaint') return 'complaint';
  return 'hard-bounce';
}

const KINDS: Record<string, (e: Record<string, unknown>) => WebhookEventKind> = {
  failed: failedKind,
  complained: () => 'complaint',
  unsubscribed: () => 'unsubscribe',
  delivered: () => 'delivered',
};

export function parseMailgunEvent(eventData: Record<string, unknown>, receivedAt: string): WebhookEvent[] {
  const event = str(eventData.event);
  if (!event) throw malformed('event-data.event', 'event-data.event is required.');
  const kind = own(KINDS, event)?.(eventData) ?? 'ignored';
  const id = str(eventData.id);
  if (!id) throw malformed('event-data.id', 'event-data.id is required.');
  const address = recipient(eventData.recipient);
  if (!address) {
    if (kind === 'ignored') return [];
    throw malformed('event-data.recipient', 'event-data.recipient is required.');
  }
  const message = isRecord(eventData.message) ? eventData.message : {};
  const headers = isRecord(message.headers) ? message.headers : {};
  const messageId = normalizeMessageId(headers['message-id']);
  const ds = isRecord(eventData['delivery-status']) ? eventData['delivery-status'] : {};
  const status = kind === 'delivered' ? undefined : enhancedStatus(ds['enhanced-code'], ds.message, ds.description);
  const diagnostic = kind === 'delivered' ? undefined : cleanDiagnostic(ds.message, ds.description);
  return [
    {
      provider: 'mailgun',
      // Mailgun promises event ids unique within a day only; with the event's own timestamp they do not collide.
      eventId: `mailgun:${id}:${String(eventData.timestamp ?? '')}`,
      kind,
      address,
      ...(messageId ? { messageId } : {}),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
      at: isoTime(eventData.timestamp, receivedAt),
    },
  ];
}
