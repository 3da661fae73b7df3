import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, fixture, type TestApp } from './support.ts';

/**
 * POST /webhooks/postmark with Postmark's documented webhook records. Postmark
 * signs nothing: the HTTP Basic credentials in the webhook URL are the check.
 */

const AUTH = `postmark:${randomBytes(18).toString('base64url')}`;
const basic = (cred: string) => `Basic ${Buffer.from(cred).toString('base64')}`;

let t: TestApp;
beforeAll(async () => {
  t = await buildApp({ postmark: { auth: AUTH } });
});
afterAll(async () => t?.app.close());

// null: no Authorization header at all.
const post = (body: unknown, authorization: string | null = basic(AUTH)) =>
  t.app.inject({
    method: 'POST',
    url: '/webhooks/postmark',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function delivered(body: unknown) {
  const before = t.batches.length;
  const res = await post(body);
  expect(res.statusCode, res.body).toBe(200);
  return t.batches.slice(before).flat();
}

describe('Postmark records', () => {
  it('a HardBounce is a hard bounce', async () => {
    expect(await delivered(fixture('postmark-bounce.json'))).toEqual([
      {
        provider: 'postmark',
        eventId: 'postmark:Bounce:883953f4-6105-42a2-a16a-77a8eac79483:HardBounce:john@example.com:2019-11-05T16:33:54.9070259Z',
        kind: 'hard-bounce',
        address: 'john@example.com',
        diagnostic: 'Test bounce details',
        at: '2019-11-05T16:33:54.907Z',
      },
    ]);
  });

  it('bounce types follow Postmark\'s table: permanent ones hard, temporary ones soft, the rest ignored', async () => {
    const base = fixture('postmark-bounce.json');
    const expected: Record<string, string | undefined> = {
      BadEmailAddress: 'hard-bounce',
      SoftBounce: 'soft-bounce',
      Transient: 'soft-bounce',
      DnsError: 'soft-bounce',
      Blocked: 'soft-bounce',
      Unsubscribe: 'unsubscribe',
      SpamComplaint: 'complaint',
      AutoResponder: undefined,
      ChallengeVerification: undefined,
      ManuallyDeactivated: undefined,
      DMARCPolicy: undefined,
      constructor: undefined,
      ['__proto__']: undefined,
    };
    for (const [type, kind] of Object.entries(expected)) {
      const events = await delivered({ ...base, Type: type, MessageID: `m-${type}` });
      expect(events.map((e) => e.kind), type).toEqual(kind ? [kind] : []);
    }
  });

  it('a SpamComplaint record is a complaint', async () => {
    expect(await delivered(fixture('postmark-spam-complaint.json'))).toMatchObject([{ kind: 'complaint', address: 'john@example.com' }]);
  });

  it('a SubscriptionChange that suppresses maps by its reason; a reactivation (derived) changes nothing', async () => {
    const change = fixture('postmark-subscription-change.json');
    expect(await delivered(change)).toMatchObject([{ kind: 'hard-bounce', address: 'bounced-address@wildbit.com', at: '2020-02-01T10:53:34.416Z' }]);
    expect(await delivered({ ...change, SuppressionReason: 'ManualSuppression', ChangedAt: '2020-02-02T10:00:00Z' })).toMatchObject([{ kind: 'unsubscribe' }]);
    expect(await delivered({ ...change, SuppressionReason: 'SpamComplaint', ChangedAt: '2020-02-03T10:00:00Z' })).toMatchObject([{ kind: 'complaint' }]);
    // Per the docs, a reactivation carries SuppressSending false and null reason, tag and MessageID.
    const res = await post({ ...change, SuppressSending: false, SuppressionReason: null, Tag: null, MessageID: null, Metadata: {} });
    expect(res.json()).toMatchObject({ received: 1, accepted: 0, ignored: 1 });
  });

  it('a Delivery is delivered; an Open is accepted and ignored', async () => {
    expect(await delivered(fixture('postmark-delivery.json'))).toMatchObject([{ kind: 'delivered', address: 'john@example.com' }]);
    const open = await post({ RecordType: 'Open', MessageID: 'x', Recipient: 'john@example.com' });
    expect(open.json()).toMatchObject({ received: 0 });
  });

  it('a retried record reaches the intake once', async () => {
    const rec = { ...fixture('postmark-spam-complaint.json'), MessageID: 'retried' };
    const before = t.batches.length;
    await post(rec);
    const again = await post(rec);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(t.batches.length).toBe(before + 1);
  });
});

describe('Postmark credentials', () => {
  for (const [label, authorization] of [
    ['missing', null],
    ['wrong password', basic('postmark:wrong')],
    ['wrong user', basic(`other:${AUTH.split(':')[1]}`)],
    ['a prefix of the right ones', basic(AUTH.slice(0, -1))],
    ['the right ones with more after', basic(`${AUTH}x`)],
    ['not Basic', `Bearer ${Buffer.from(AUTH).toString('base64')}`],
    ['the raw credentials', `Basic ${AUTH}`],
  ] as const) {
    it(`refuses ${label} with 401 and a Basic challenge`, async () => {
      const before = t.batches.length;
      const res = await post({ ...fixture('postmark-bounce.json'), MessageID: `auth-${label}` }, authorization);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('WEBHOOK_AUTH_INVALID');
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(t.batches.length).toBe(before);
    });
  }

  it('checks credentials before reading the body', async () => {
    const res = await post('not json', basic('postmark:wrong'));
    expect(res.statusCode).toBe(401);
  });

  it('malformed records are 400s naming the field', async () => {
    expect((await post('{')).json().error).toMatchObject({ code: 'INVALID_JSON', fields: [{ field: 'body' }] });
    expect((await post({ Email: 'a@example.com' })).json().error.fields[0].field).toBe('RecordType');
    expect((await post({ RecordType: 'Bounce', Type: 'HardBounce' })).json().error.fields[0].field).toBe('Email');
  });

  it('POSTMARK_WEBHOOK_AUTH must be user:password', async () => {
    for (const auth of ['nocolon', ':password', 'user:']) await expect(buildApp({ postmark: { auth } }), auth).rejects.toThrow(/user:password/);
  });
});
