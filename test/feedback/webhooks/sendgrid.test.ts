import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSendGridPublicKey } from '../../../src/feedback/webhooks/sendgrid.ts';
import { buildApp, fixture, type TestApp } from './support.ts';

/**
 * POST /webhooks/sendgrid with the documented Event Webhook examples, signed
 * the way SendGrid does (ECDSA P-256, SHA-256 over timestamp + body) with a
 * key pair the test makes; the public key is configured in the base64 DER form
 * SendGrid's settings page shows.
 */

const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const { privateKey, publicKey } = pair();
const SHOWN_KEY = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

let t: TestApp;
beforeAll(async () => {
  t = await buildApp({ sendgrid: { publicKey: SHOWN_KEY } });
});
afterAll(async () => t?.app.close());

function signedRequest(body: string, opts: { key?: KeyObject; timestamp?: number } = {}) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = sign('sha256', Buffer.from(timestamp + body), { key: opts.key ?? privateKey, dsaEncoding: 'der' }).toString('base64');
  return {
    'content-type': 'application/json',
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  };
}

const post = (body: string, headers: Record<string, string> = signedRequest(body)) => t.app.inject({ method: 'POST', url: '/webhooks/sendgrid', headers, payload: body });

describe('SendGrid events', () => {
  it('maps each documented event onto the policy, one event per entry, in order', async () => {
    const before = t.batches.length;
    const res = await post(JSON.stringify(fixture('sendgrid-events.json')));
    expect(res.statusCode, res.body).toBe(200);
    // processed, deferred, open, click and group_resubscribe are counted and ignored.
    expect(res.json()).toMatchObject({ received: 11, accepted: 6, duplicates: 0, ignored: 5 });
    const batch = t.batches.slice(before).flat();
    expect(batch.map((e) => [e.kind, e.eventId])).toEqual([
      ['hard-bounce', 'sendgrid:zmzJhfJgAfUSOW80yEbPyw=='], // dropped: Bounced Address
      ['delivered', 'sendgrid:rWVYmVk90MjZJ9iohOBa3w=='],
      ['hard-bounce', 'sendgrid:6g4ZI7SA-xmRDv57GoPIPw=='], // bounce, type bounce
      ['complaint', 'sendgrid:37nvH5QBz858KGVYCM4uOA=='],
      ['unsubscribe', 'sendgrid:zz_BjPgU_5pS-J8vlfB1sg=='],
      ['unsubscribe', 'sendgrid:ahSCB7xYcXFb-hEaawsPRw=='], // group_unsubscribe
    ]);
    expect(batch[2]).toEqual({
      provider: 'sendgrid',
      eventId: 'sendgrid:6g4ZI7SA-xmRDv57GoPIPw==',
      kind: 'hard-bounce',
      address: 'example@test.com',
      messageId: '<14c5d75ce93.dfd.64b469@ismtpd-555>',
      status: '5.0.0',
      diagnostic: '500 unknown recipient',
      at: '2017-12-15T00:59:29.000Z',
    });
  });

  it('a blocked bounce is soft', async () => {
    const t2 = await buildApp({ sendgrid: { publicKey: SHOWN_KEY } });
    const body = JSON.stringify(fixture('sendgrid-blocked.json'));
    const res = await t2.app.inject({ method: 'POST', url: '/webhooks/sendgrid', headers: signedRequest(body), payload: body });
    expect(res.statusCode).toBe(200);
    expect(t2.batches.flat().map((e) => e.kind)).toEqual(['soft-bounce']);
    await t2.app.close();
  });

  it('dropped reasons that are about us, not the reader, change nothing; the reader ones map', async () => {
    const [, dropped] = fixture<Record<string, unknown>[]>('sendgrid-events.json');
    const reasons = { 'Invalid SMTPAPI header': 'ignored', 'Spam Content': 'ignored', 'Recipient List over Package Quota': 'ignored', 'Unsubscribed Address': 'unsubscribe', 'Spam Reporting Address': 'complaint', Invalid: 'hard-bounce' };
    const body = JSON.stringify(Object.keys(reasons).map((reason, i) => ({ ...dropped, reason, sg_event_id: `dropped-${i}` })));
    const before = t.batches.length;
    const res = await post(body);
    expect(res.json()).toMatchObject({ received: 6, accepted: 3, ignored: 3 });
    expect(t.batches.slice(before).flat().map((e) => e.kind)).toEqual(['unsubscribe', 'complaint', 'hard-bounce']);
  });

  it('the same batch delivered again reaches the intake with nothing new', async () => {
    const body = JSON.stringify(fixture<Record<string, unknown>[]>('sendgrid-events.json').map((e) => ({ ...e, sg_event_id: `again-${String(e.sg_event_id)}` })));
    const before = t.batches.length;
    expect((await post(body)).json()).toMatchObject({ accepted: 6 });
    const again = await post(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 6 });
    expect(t.batches.length).toBe(before + 1);
  });

  it('reasons and events named after Object.prototype members are just unknown', async () => {
    const [, dropped] = fixture<Record<string, unknown>[]>('sendgrid-events.json');
    const body = JSON.stringify(['constructor', '__proto__', 'toString', 'hasOwnProperty'].flatMap((word, i) => [
      { ...dropped, reason: word, sg_event_id: `proto-reason-${i}` },
      { ...dropped, event: word, sg_event_id: `proto-event-${i}` },
    ]));
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 8, accepted: 0, ignored: 8 });
  });

  it('an event repeated inside one batch is handed on once', async () => {
    const spam = { ...fixture<Record<string, unknown>[]>('sendgrid-events.json')[7], sg_event_id: 'twice-in-one' };
    const before = t.batches.length;
    const res = await post(JSON.stringify([spam, spam]));
    expect(res.json()).toMatchObject({ received: 2, accepted: 1, duplicates: 1 });
    expect(t.batches.slice(before).flat()).toHaveLength(1);
  });

  it('entries without an address are skipped, not a reason to refuse the batch', async () => {
    const body = JSON.stringify([{ event: 'bounce', sg_event_id: 'no-email' }, 'junk', { ...fixture<Record<string, unknown>[]>('sendgrid-events.json')[7], sg_event_id: 'kept' }]);
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: 1, accepted: 1 });
  });
});

describe('SendGrid verification', () => {
  const body = JSON.stringify(fixture('sendgrid-events.json'));
  const refused = async (payload: string, headers: Record<string, string>, code: string, status = 401) => {
    const before = t.batches.length;
    const res = await post(payload, headers);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(t.batches.length).toBe(before);
  };

  it('a signature from another key is refused', async () => {
    await refused(body, signedRequest(body, { key: pair().privateKey }), 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a body changed after signing is refused, even by one space', async () => {
    await refused(`${body} `, signedRequest(body), 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a signature moved to another timestamp is refused', async () => {
    const h = signedRequest(body);
    await refused(body, { ...h, 'x-twilio-email-event-webhook-timestamp': String(Number(h['x-twilio-email-event-webhook-timestamp']) - 1) }, 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('missing or garbled signature headers are refused', async () => {
    await refused(body, { 'content-type': 'application/json' }, 'WEBHOOK_SIGNATURE_MISSING');
    await refused(body, { ...signedRequest(body), 'x-twilio-email-event-webhook-signature': 'bm90IGRlcg==' }, 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a validly signed but stale timestamp is refused', async () => {
    await refused(body, signedRequest(body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), 'WEBHOOK_STALE');
  });

  it('a signed body that is not JSON, or not an array, is a 400 naming the body', async () => {
    await refused('{"not": "an array"}', signedRequest('{"not": "an array"}'), 'WEBHOOK_PAYLOAD_INVALID', 400);
    await refused('[{', signedRequest('[{'), 'INVALID_JSON', 400);
  });

  it('a body over the limit is a 413', async () => {
    const big = JSON.stringify([{ pad: 'x'.repeat(1_100_000) }]);
    const res = await post(big, signedRequest(big));
    expect(res.statusCode).toBe(413);
  });

  it('the key is read as SendGrid shows it (base64 DER) or as PEM; anything but P-256 fails at registration', async () => {
    expect(parseSendGridPublicKey(SHOWN_KEY).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(parseSendGridPublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string).type).toBe('public');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    await expect(buildApp({ sendgrid: { publicKey: rsa } })).rejects.toThrow(/P-256/);
  });
});
