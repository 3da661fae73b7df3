import { X509Certificate, verify } from 'node:crypto';
import { WebhookRejection, isRecord, malformed, parseJson, unauthorized } from './event.ts';

/**
 * Amazon SNS HTTP(S) delivery: the envelope SES notifications arrive in.
 * A message is trusted only when its RSA signature checks out against a
 * certificate fetched over https from `sns.<region>.amazonaws.com(.cn)`,
 * its topic is one we subscribed, and its Timestamp is recent.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
 */

export type SnsMessageType = 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';

export interface SnsMessage {
  Type: SnsMessageType;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: '1' | '2';
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

/**
 * Fetches the PEM certificate at an already validated SigningCertURL. Throws
 * `CertificateNotFound` when SNS says there is none (a made-up URL: forgery),
 * anything else when it could not ask (SNS should retry).
 */
export type FetchCertificate = (url: string) => Promise<string>;

export class CertificateNotFound extends Error {}

// A region is letters and digits between dashes ending in a number: us-east-1, us-gov-west-1, cn-north-1.
const SNS_HOST = /^sns\.[a-z]{2}(?:-[a-z]+)+-\d{1,2}\.amazonaws\.com(?:\.cn)?$/;

/**
 * Parses `raw` as an https URL on an SNS regional host and nothing else: no
 * userinfo, no explicit port, no look-alike suffix (`...amazonaws.com.evil.com`).
 * Answers null when it is not one.
 */
export function snsUrl(raw: string): URL | null {
  // WHATWG parsing forgives whitespace, backslashes and control characters; an SNS URL has none.
  if (raw.length > 2048 || /[\s\\\x00-\x1f\x7f]/.test(raw) || !URL.canParse(raw)) return null;
  const url = new URL(raw);
  const ok = url.protocol === 'https:' && url.username === '' && url.password === '' && url.port === '' && SNS_HOST.test(url.hostname);
  return ok ? url : null;
}

export function isSigningCertUrl(raw: string): boolean {
  const url = snsUrl(raw);
  return url !== null && url.pathname.endsWith('.pem') && url.search === '' && url.hash === '';
}

/** The SubscribeURL SNS sends: its ConfirmSubscription action for this very topic. */
export function isSubscribeUrl(raw: string, topicArn: string): boolean {
  const url = snsUrl(raw);
  if (!url || url.pathname !== '/' || url.hash !== '') return false;
  const q = url.searchParams;
  return q.get('Action') === 'ConfirmSubscription' && !!q.get('Token') && (!q.has('TopicArn') || q.get('TopicArn') === topicArn);
}

const REQUIRED = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'] as const;
const CONFIRMATION_REQUIRED = ['SubscribeURL', 'Token'] as const;
const TYPES = new Set<string>(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/** The envelope's shape; nothing about it is trusted yet. */
export function parseSnsMessage(raw: Buffer): SnsMessage {
  const body = parseJson(raw);
  if (!isRecord(body)) throw malformed('body', 'An SNS message is a JSON object.');
  for (const f of REQUIRED) if (typeof body[f] !== 'string' || body[f] === '') throw malformed(f, `${f} is required.`);
  if (!TYPES.has(body.Type as string)) throw malformed('Type', 'Type is not an SNS message type.');
  if (body.Type !== 'Notification') {
    for (const f of CONFIRMATION_REQUIRED) if (typeof body[f] !== 'string' || body[f] === '') throw malformed(f, `${f} is required.`);
  }
  if (body.SignatureVersion !== '1' && body.SignatureVersion !== '2') throw malformed('SignatureVersion', 'SignatureVersion must be 1 or 2.');
  if (body.Subject !== undefined && body.Subject !== null && typeof body.Subject !== 'string') throw malformed('Subject', 'Subject must be a string.');
  const msg = { ...body } as unknown as SnsMessage;
  if (body.Subject === null) delete msg.Subject;
  return msg;
}

/** The canonical string SNS signed: name and value lines, in byte order, per message type. */
export function stringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? (['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject' as const] : []), 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return keys.map((k) => `${k}\n${m[k]}\n`).join('');
}

export interface SnsVerifyOptions {
  topicArns: readonly string[];
  fetchCertificate: FetchCertificate;
  /** Oldest Timestamp accepted; SNS keeps its original Timestamp on retries, so this bounds its retry window. */
  maxAgeSec: number;
  now: number;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
// SNS clocks are not ours: a message a little from the future is skew, not forgery.
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * Checks, cheapest first, that nothing is fetched for a message we would
 * refuse anyway: freshness, topic, certificate URL, then the signature.
 */
export async function verifySnsMessage(m: SnsMessage, o: SnsVerifyOptions): Promise<void> {
  const at = ISO_UTC.test(m.Timestamp) ? Date.parse(m.Timestamp) : NaN;
  if (!Number.isFinite(at)) throw malformed('Timestamp', 'Timestamp is not an ISO 8601 UTC time.');
  if (at < o.now - o.maxAgeSec * 1000 || at > o.now + FUTURE_SKEW_MS) throw unauthorized('WEBHOOK_STALE', 'The message is too old or from the future.');
  if (!o.topicArns.includes(m.TopicArn)) throw unauthorized('WEBHOOK_TOPIC_NOT_ALLOWED', 'The message is from a topic this endpoint does not accept.');
  if (!isSigningCertUrl(m.SigningCertURL)) throw unauthorized('WEBHOOK_CERT_URL_INVALID', 'SigningCertURL is not an https certificate URL on an SNS host.');

  let pem: string;
  try {
    pem = await o.fetchCertificate(m.SigningCertURL);
  } catch (err) {
    if (err instanceof CertificateNotFound) throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'There is no such signing certificate.');
    // Not the sender's fault as far as we can tell: answer so that SNS retries.
    throw new WebhookRejection('unavailable', 'WEBHOOK_CERT_UNAVAILABLE', 'The signing certificate could not be fetched.');
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new WebhookRejection('unavailable', 'WEBHOOK_CERT_UNAVAILABLE', 'The signing certificate could not be read.');
  }
  const validFrom = Date.parse(cert.validFrom);
  const validTo = Date.parse(cert.validTo);
  // Written so that a date that does not parse (NaN) fails too.
  if (!(validFrom <= o.now && o.now <= validTo)) {
    throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'The signing certificate is not valid now.');
  }
  const algorithm = m.SignatureVersion === '1' ? 'sha1' : 'sha256';
  let ok = false;
  try {
    ok = verify(algorithm, Buffer.from(stringToSign(m), 'utf8'), cert.publicKey, Buffer.from(m.Signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw unauthorized('WEBHOOK_SIGNATURE_INVALID', 'The message signature does not verify.');
}
