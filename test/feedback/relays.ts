import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Response } from 'light-my-request';
import { fixture, snsHeaders, snsSigner, type SnsSigner } from './webhooks/support.ts';

/**
 * The four relays as the app meets them: each relay's documented payload
 * (test/fixtures/webhooks), about a reader and message of ours, signed the way
 * that relay signs with keys made here. `env` configures the app to trust them.
 */

export const SES_TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

export interface Relays {
  env: Record<string, string>;
  signer: SnsSigner;
  ses(message: unknown, overrides?: Record<string, unknown>): Promise<Response>;
  mailgun(eventData: unknown, opts?: { key?: string; token?: string }): Promise<Response>;
  sendgrid(events: unknown[], opts?: { forged?: boolean }): Promise<Response>;
  postmark(record: unknown, auth?: string): Promise<Response>;
}

export function relays(getApp: () => FastifyInstance): Relays {
  const signer = snsSigner();
  const mailgunKey = randomBytes(32).toString('hex');
  const sendgrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const postmarkAuth = `postmark:${randomBytes(18).toString('base64url')}`;
  const post = (url: string, headers: Record<string, string>, payload: string) => getApp().inject({ method: 'POST', url, headers, payload });

  return {
    env: {
      SES_WEBHOOK_TOPIC_ARNS: SES_TOPIC,
      MAILGUN_WEBHOOK_SIGNING_KEY: mailgunKey,
      SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      POSTMARK_WEBHOOK_AUTH: postmarkAuth,
    },
    signer,
    ses(message, overrides = {}) {
      const env = { ...fixture('sns-notification.json'), MessageId: randomBytes(8).toString('hex'), Message: JSON.stringify(message), Timestamp: new Date().toISOString(), ...overrides };
      return post('/webhooks/ses', snsHeaders('Notification'), JSON.stringify(signer.sign(env)));
    },
    mailgun(eventData, opts = {}) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const token = opts.token ?? randomBytes(25).toString('hex');
      const signature = createHmac('sha256', opts.key ?? mailgunKey).update(timestamp + token).digest('hex');
      return post('/webhooks/mailgun', { 'content-type': 'application/json' }, JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData }));
    },
    sendgrid(events, opts = {}) {
      const body = JSON.stringify(events);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const key = opts.forged ? stranger.privateKey : sendgrid.privateKey;
      const signature = sign('sha256', Buffer.from(timestamp + body), { key, dsaEncoding: 'der' }).toString('base64');
      return post('/webhooks/sendgrid', { 'content-type': 'application/json', 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp }, body);
    },
    postmark(record, auth = postmarkAuth) {
      return post('/webhooks/postmark', { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(auth).toString('base64')}` }, JSON.stringify(record));
    },
  };
}

/** A documented payload with its recipient (and, where the relay echoes it, our Message-ID) replaced. */
export function about<T>(name: string, edit: (payload: T) => void): T {
  const payload = structuredClone(fixture<T>(name));
  edit(payload);
  return payload;
}
