import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, fixture, snsHeaders, snsSigner, type SnsSigner, type TestApp } from './support.ts';

/**
 * POST /webhooks/ses with the documented SNS envelopes and SES notifications,
 * signed with a certificate the test makes. What the intake receives is what
 * the subscriber policy will act on.
 */

const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';
const CERT_URL = 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem';

let signer: SnsSigner;
let t: TestApp;
const certFetches: string[] = [];
const visited: string[] = [];

beforeAll(async () => {
  signer = snsSigner();
  t = await buildApp({
    ses: { topicArns: [TOPIC] },
    fetchCertificate: async (url) => {
      certFetches.push(url);
      return signer.pem;
    },
    fetchUrl: async (url) => {
      visited.push(url);
    },
  });
});
afterAll(async () => t?.app.close());

/** The documented Notification envelope around `message`, fresh, signed. */
function notification(message: unknown, overrides: Record<string, unknown> = {}, version: '1' | '2' = '1') {
  const env = { ...fixture('sns-notification.json'), Message: typeof message === 'string' ? message : JSON.stringify(message), Timestamp: new Date().toISOString(), ...overrides };
  return signer.sign(env, version);
}

const post = (body: unknown, type = 'Notification') =>
  t.app.inject({ method: 'POST', url: '/webhooks/ses', headers: snsHeaders(type), payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('SNS subscription confirmation', () => {
  for (const version of ['1', '2'] as const) {
    it(`confirms a SignatureVersion ${version} subscription by visiting its SubscribeURL`, async () => {
      visited.length = 0;
      const msg = signer.sign({ ...fixture('sns-subscription-confirmation.json'), Timestamp: new Date().toISOString() }, version);
      const res = await post(msg, 'SubscriptionConfirmation');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ subscription: 'confirmed', accepted: 0 });
      expect(visited).toEqual([fixture('sns-subscription-confirmation.json').SubscribeURL]);
    });
  }

  it('does not resubscribe on an UnsubscribeConfirmation', async () => {
    visited.length = 0;
    const msg = signer.sign({ ...fixture('sns-subscription-confirmation.json'), Type: 'UnsubscribeConfirmation', Timestamp: new Date().toISOString() });
    const res = await post(msg, 'UnsubscribeConfirmation');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ subscription: 'removed' });
    expect(visited).toEqual([]);
  });
});

describe('SES notifications', () => {
  it('a permanent bounce with a DSN is a hard bounce with its status, our Message-ID, and no address in the diagnostic', async () => {
    const before = t.batches.length;
    const res = await post(notification(fixture('ses-bounce-with-dsn.json')));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 1, accepted: 1, duplicates: 0 });
    expect(t.batches.slice(before)).toEqual([
      [
        {
          provider: 'ses',
          eventId: 'ses:bounce:00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000:jane@example.com',
          kind: 'hard-bounce',
          address: 'jane@example.com',
          messageId: '<custom-message-ID>',
          status: '5.1.1',
          diagnostic: 'smtp; 550 5.1.1 <[address]>... User',
          at: '2016-01-27T14:59:38.237Z',
        },
      ],
    ]);
    expect(certFetches.every((u) => u === CERT_URL)).toBe(true);
  });

  it('a bounce for two recipients is one event each, signed with SignatureVersion 2', async () => {
    const before = t.batches.length;
    const res = await post(notification(fixture('ses-bounce-without-dsn.json'), {}, '2'));
    expect(res.statusCode, res.body).toBe(200);
    const [batch] = t.batches.slice(before);
    expect(batch.map((e) => [e.kind, e.address])).toEqual([
      ['hard-bounce', 'jane@example.com'],
      ['hard-bounce', 'richard@example.com'],
    ]);
  });

  it('Transient and Undetermined bounces, and a recipient whose DSN action is delayed, are soft', async () => {
    const base = fixture<{ bounce: Record<string, unknown> }>('ses-bounce-with-dsn.json');
    for (const [bounceType, action, feedbackId] of [['Transient', 'failed', 'f-transient'], ['Undetermined', 'failed', 'f-undetermined'], ['Permanent', 'delayed', 'f-delayed']]) {
      const before = t.batches.length;
      const bounce = { ...base.bounce, bounceType, feedbackId, bouncedRecipients: [{ emailAddress: 'jane@example.com', status: '4.2.2', action }] };
      const res = await post(notification({ ...base, bounce }));
      expect(res.statusCode, res.body).toBe(200);
      expect(t.batches.slice(before).flat().map((e) => [e.kind, e.status]), bounceType).toEqual([['soft-bounce', '4.2.2']]);
    }
  });

  it('a complaint is a complaint; a not-spam report (derived from the documented complaint) reaches nobody', async () => {
    const complaint = fixture<{ complaint: Record<string, unknown> }>('ses-complaint-with-feedback.json');
    let before = t.batches.length;
    let res = await post(notification(complaint));
    expect(res.statusCode, res.body).toBe(200);
    expect(t.batches.slice(before).flat()).toMatchObject([{ kind: 'complaint', address: 'richard@example.com', messageId: '<custom-message-ID>', diagnostic: 'feedback type abuse' }]);

    before = t.batches.length;
    res = await post(notification({ ...complaint, complaint: { ...complaint.complaint, complaintFeedbackType: 'not-spam', feedbackId: 'f-not-spam' } }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 1, accepted: 0, ignored: 1 });
    expect(t.batches.length).toBe(before);
  });

  it('a delivery is delivered', async () => {
    const before = t.batches.length;
    const res = await post(notification(fixture('ses-delivery.json')));
    expect(res.statusCode).toBe(200);
    expect(t.batches.slice(before).flat()).toMatchObject([{ kind: 'delivered', address: 'jane@example.com', at: '2016-01-27T14:59:38.237Z' }]);
  });

  it('an event-publishing record (eventType) reads the same, and SES\'s own message id is never taken for ours', async () => {
    const before = t.batches.length;
    const res = await post(notification(fixture('ses-event-bounce.json')));
    expect(res.statusCode).toBe(200);
    const [e] = t.batches.slice(before).flat();
    expect(e).toMatchObject({ kind: 'hard-bounce', address: 'recipient@example.com', status: '5.1.1' });
    // No Message-ID header was sent, so commonHeaders.messageId is SES's mail.messageId: not ours.
    expect(e.messageId).toBeUndefined();
  });

  it('a briefwire Message-ID in the headers comes through as sent', async () => {
    const base = fixture<{ mail: { headers: { name: string; value: string }[] }; bounce: Record<string, unknown> }>('ses-bounce-with-dsn.json');
    const headers = base.mail.headers.map((h) => (h.name === 'Message-ID' ? { name: 'Message-ID', value: '<d12.345.a1b2c3d4e5@briefwire.example>' } : h));
    const before = t.batches.length;
    await post(notification({ ...base, bounce: { ...base.bounce, feedbackId: 'f-ours' }, mail: { ...base.mail, headers } }));
    expect(t.batches.slice(before).flat()[0].messageId).toBe('<d12.345.a1b2c3d4e5@briefwire.example>');
  });

  it('events SES does not send to say a reader left (Send, Open) are accepted and change nothing', async () => {
    const before = t.batches.length;
    const res = await post(notification({ eventType: 'Open', mail: {}, open: { timestamp: '2017-08-09T22:00:19.652Z' } }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 0, accepted: 0 });
    expect(t.batches.length).toBe(before);
  });

  it('the documented "Hello world!" notification is not an SES notification: 400 naming Message', async () => {
    const res = await post(signer.sign({ ...fixture('sns-notification.json'), Timestamp: new Date().toISOString() }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields).toEqual([{ field: 'Message', message: expect.any(String) }]);
  });

  it('a Bounce without bouncedRecipients is a 400 naming the field', async () => {
    const { bounce, ...rest } = fixture<{ bounce: Record<string, unknown> }>('ses-bounce-with-dsn.json');
    const res = await post(notification({ ...rest, bounce: { ...bounce, bouncedRecipients: undefined } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.fields[0].field).toBe('Message.bounce.bouncedRecipients');
  });
});

describe('SNS retries', () => {
  it('the same notification delivered twice reaches the intake once', async () => {
    const complaint = fixture<{ complaint: Record<string, unknown> }>('ses-complaint-with-feedback.json');
    const msg = notification({ ...complaint, complaint: { ...complaint.complaint, feedbackId: 'f-retry' } }, { MessageId: 'retry-1' });
    const before = t.batches.length;
    const first = await post(msg);
    const second = await post(msg);
    expect(first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(t.batches.length).toBe(before + 1);
  });
});
