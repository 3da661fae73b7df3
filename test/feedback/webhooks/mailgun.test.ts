import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, fixture, type TestApp } from './support.ts';

/**
 * POST /webhooks/mailgun with Mailgun's documented event payloads, signed
 * with a key the test makes: the HMAC of timestamp + token.
 */

const KEY = randomBytes(32).toString('hex');
let t: TestApp;
beforeAll(async () => {
  t = await buildApp({ mailgun: { signingKey: KEY } });
});
afterAll(async () => t?.app.close());

function signature(opts: { key?: string; timestamp?: number; token?: string } = {}) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const token = opts.token ?? randomBytes(25).toString('hex'); // 50 characters, like Mailgun's
  return { timestamp, token, signature: createHmac('sha256', opts.key ?? KEY).update(timestamp + token).digest('hex') };
}

const post = (body: unknown) =>
  t.app.inject({ method: 'POST', url: '/webhooks/mailgun', headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

const signed = (eventData: unknown, sig = signature()) => ({ signature: sig, 'event-data': eventData });

async function delivered(eventData: unknown) {
  const before = t.batches.length;
  const res = await post(signed(eventData));
  expect(res.statusCode, res.body).toBe(200);
  return t.batches.slice(before).flat();
}

describe('Mailgun events', () => {
  it('a permanent failure is a hard bounce with the enhanced code and our Message-ID', async () => {
    expect(await delivered(fixture('mailgun-failed-permanent.json'))).toEqual([
      {
        provider: 'mailgun',
        eventId: 'mailgun:2kFItcrLQuKTdp-Ia2Xr7w:1770918175.5923693',
        kind: 'hard-bounce',
        address: 'badrecipient@sample.mailgun.com',
        messageId: '<20260212174255.58bbb7ce85a423e5@mailgun.com>',
        status: '5.5.0',
        diagnostic: expect.stringMatching(/^5\.5\.0 Requested action not taken: mailbox unavailable/),
        at: '2026-02-12T17:42:55.592Z',
      },
    ]);
  });

  it('a temporary failure is a soft bounce', async () => {
    expect(await delivered(fixture('mailgun-failed-temporary.json'))).toMatchObject([{ kind: 'soft-bounce', address: 'tempfailrecipient@sample.mailgun.com' }]);
  });

  it('complained, unsubscribed and delivered map onto the policy; opened is ignored', async () => {
    expect(await delivered(fixture('mailgun-complained.json'))).toMatchObject([{ kind: 'complaint', address: 'recipient@sample.mailgun.com' }]);
    expect(await delivered(fixture('mailgun-unsubscribed.json'))).toMatchObject([{ kind: 'unsubscribe', address: 'recipient@sample.mailgun.com' }]);
    expect(await delivered(fixture('mailgun-delivered.json'))).toMatchObject([{ kind: 'delivered', address: 'recipient@sample.mailgun.com' }]);
    const res = await post(signed(fixture('mailgun-opened.json')));
    expect(res.json()).toMatchObject({ received: 1, accepted: 0, ignored: 1 });
  });

  it('a permanent failure because Mailgun suppresses an unsubscribed address is an unsubscribe', async () => {
    const e = { ...fixture('mailgun-failed-permanent.json'), id: 'suppress-unsub', reason: 'suppress-unsubscribe' };
    expect(await delivered(e)).toMatchObject([{ kind: 'unsubscribe' }]);
  });

  it('an event named after an Object.prototype member is just unknown', async () => {
    for (const event of ['constructor', '__proto__', 'toString']) {
      const res = await post(signed({ ...fixture('mailgun-delivered.json'), id: `proto-${event}`, event }));
      expect(res.statusCode, event).toBe(200);
      expect(res.json(), event).toMatchObject({ accepted: 0, ignored: 1 });
    }
  });

  it('a subaccount event verifies by its parent-signature', async () => {
    const sub = signature({ key: 'subaccount-key' });
    const parent = createHmac('sha256', KEY).update(sub.timestamp + sub.token).digest('hex');
    const res = await post(signed({ ...fixture('mailgun-delivered.json'), id: 'via-parent' }, { ...sub, 'parent-signature': parent } as never));
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('Mailgun verification', () => {
  const refused = async (body: unknown, code: string, status = 401) => {
    const before = t.batches.length;
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(t.batches.length).toBe(before);
    return res;
  };

  it('a signature made with another key is refused', async () => {
    await refused(signed(fixture('mailgun-failed-permanent.json'), signature({ key: 'not-the-key' })), 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a signature more than five minutes old, or ahead, is stale', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(signed(fixture('mailgun-failed-permanent.json'), signature({ timestamp: now - 301 })), 'WEBHOOK_STALE');
    await refused(signed(fixture('mailgun-failed-permanent.json'), signature({ timestamp: now + 301 })), 'WEBHOOK_STALE');
  });

  it('a token is good once: a captured signature cannot carry other event data', async () => {
    const sig = signature();
    const first = await post(signed({ ...fixture('mailgun-delivered.json'), id: 'token-once' }, sig));
    expect(first.statusCode).toBe(200);
    // The HMAC covers timestamp + token only, so this forgery carries a valid signature.
    const forged = { ...fixture('mailgun-complained.json'), id: 'forged', recipient: 'victim@example.com' };
    await refused(signed(forged, sig), 'WEBHOOK_REPLAYED');
  });

  it('a retried delivery (new token, same event) is answered 200 and reaches the intake once', async () => {
    const e = { ...fixture('mailgun-failed-permanent.json'), id: 'retried' };
    const before = t.batches.length;
    expect((await post(signed(e))).json()).toMatchObject({ accepted: 1 });
    const again = await post(signed(e));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(t.batches.length).toBe(before + 1);
  });

  it('malformed bodies are 400s naming the field', async () => {
    expect((await refused('not json', 'INVALID_JSON', 400)).json().error.fields[0].field).toBe('body');
    expect((await refused({ 'event-data': {} }, 'WEBHOOK_PAYLOAD_INVALID', 400)).json().error.fields[0].field).toBe('signature');
    const noSig = { ...signature(), signature: 'zz' };
    expect((await refused(signed({}, noSig), 'WEBHOOK_PAYLOAD_INVALID', 400)).json().error.fields[0].field).toBe('signature.signature');
    expect((await refused({ signature: signature() }, 'WEBHOOK_PAYLOAD_INVALID', 400)).json().error.fields[0].field).toBe('event-data');
    const { recipient: _r, ...noRecipient } = fixture('mailgun-failed-permanent.json');
    expect((await refused(signed({ ...noRecipient, id: 'no-recipient' }), 'WEBHOOK_PAYLOAD_INVALID', 400)).json().error.fields[0].field).toBe('event-data.recipient');
  });

  it('a body over the limit is a 413', async () => {
    const res = await post(signed({ ...fixture('mailgun-delivered.json'), pad: 'x'.repeat(1_100_000) }));
    expect(res.statusCode).toBe(413);
  });

  it('a replay guard that is down is a 503, never a 500', async () => {
    const down = await buildApp({
      mailgun: { signingKey: KEY },
      replayGuard: { firstTime: async () => { throw new Error('ECONNREFUSED'); }, forget: async () => {} },
    });
    const res = await down.app.inject({ method: 'POST', url: '/webhooks/mailgun', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(signed(fixture('mailgun-delivered.json'))) });
    expect(res.statusCode).toBe(503);
    expect(down.batches).toEqual([]);
    await down.app.close();
  });
});
