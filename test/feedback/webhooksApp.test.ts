import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSubscribers, createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { about, relays, type Relays } from './relays.ts';
import { createFeedbackHarness, keysMentioning, type FeedbackHarness } from './support.ts';

/**
 * The relay webhooks through the real app: each provider's documented payload
 * about one of our copies, signed as that provider signs, reaches the same
 * policy as a bounce message does; a forged one changes nothing; a provider
 * that is not configured answers 404; a retry changes nothing twice.
 */

let h: FeedbackHarness;
let relay: Relays;
let dispatchId: string;
/** Reader i of the dispatch: id, address, and the Message-ID of their copy. */
const readers: { id: string; address: string; messageId: string }[] = [];

beforeAll(async () => {
  relay = relays(() => h.app);
  h = await createFeedbackHarness({ workers: true, env: relay.env, snsFetch: { certificate: async () => relay.signer.pem, url: async () => undefined } });
  const ids = await addSubscribers(h, 10, () => [], 'relay.example.org');
  const brief = await createBrief(h);
  dispatchId = (await dispatch(h, brief.id)).json().id as string;
  await waitForStatus(h, dispatchId, 'done', 30_000);
  for (const [i, id] of ids.entries()) {
    const address = `user${i}@relay.example.org`;
    readers.push({ id, address, messageId: h.smtp.to(address)[0]!.parsed.messageId! });
  }
});
afterAll(async () => h?.close());

const statusOf = async (id: string) => (await h.services.subscribers.get(id))?.status;
const lastEvent = async (id: string) => (await h.services.subscribers.consentLog(id)).at(-1);

const sesBounce = (r: (typeof readers)[number]) =>
  about<any>('ses-bounce-with-dsn.json', (m) => {
    m.bounce.bouncedRecipients = [{ ...m.bounce.bouncedRecipients[0], emailAddress: r.address }];
    m.mail.commonHeaders.messageId = r.messageId;
    m.mail.headers = m.mail.headers.map((x: { name: string }) => (x.name === 'Message-ID' ? { ...x, value: r.messageId } : x));
  });

describe('relay webhooks through the app', () => {
  it('an SES permanent bounce of our message: the reader bounced, the dispatch counts it, the consent log says ses and 5.1.1', async () => {
    const r = readers[0]!;
    const res = await relay.ses(sesBounce(r));
    expect(res.statusCode, res.body).toBe(200);
    expect(await statusOf(r.id)).toBe('bounced');
    expect(await lastEvent(r.id)).toMatchObject({ type: 'bounce', source: 'ses', status: '5.1.1', dispatchId });
    expect(await status(h, dispatchId)).toMatchObject({ bounced: 1 });
  });

  it('a Mailgun complaint (Message-ID without brackets, as Mailgun sends it): complained, counted on the dispatch', async () => {
    const r = readers[1]!;
    const event = about<any>('mailgun-complained.json', (e) => {
      e.recipient = r.address;
      e.message.headers['message-id'] = r.messageId.replace(/^<|>$/g, '');
    });
    const res = await relay.mailgun(event);
    expect(res.statusCode, res.body).toBe(200);
    expect(await statusOf(r.id)).toBe('complained');
    expect(await lastEvent(r.id)).toMatchObject({ type: 'complaint', source: 'mailgun', dispatchId });
    expect(await status(h, dispatchId)).toMatchObject({ complained: 1 });
  });

  it('a SendGrid bounce in a batch with events we ignore: bounced; a forged Message-ID names nobody', async () => {
    const r = readers[2]!;
    const all = about<any[]>('sendgrid-events.json', () => undefined);
    const bounce = { ...all.find((e) => e.event === 'bounce'), email: r.address, 'smtp-id': r.messageId };
    const open = { ...all.find((e) => e.event === 'open'), email: r.address };
    // Our id shape, with a tag that is not the dispatch's, for an address nobody has: no reader.
    const forgedId = r.messageId.replace(/\.[0-9a-f]{10}@/, '.0123456789@');
    const forged = { ...bounce, sg_event_id: 'forged-id-event', email: 'nobody@relay.example.org', 'smtp-id': forgedId };
    const res = await relay.sendgrid([open, bounce, forged]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ received: 3, accepted: 2, ignored: 1 });
    expect(await statusOf(r.id)).toBe('bounced');
    expect(await lastEvent(r.id)).toMatchObject({ type: 'bounce', source: 'sendgrid', dispatchId });
    expect(await status(h, dispatchId)).toMatchObject({ bounced: 2 });
  });

  it('Postmark, which echoes no Message-ID of ours: the reader is found by the address it signed for; no dispatch is guessed', async () => {
    const bounced = readers[3]!;
    const res = await relay.postmark(about<any>('postmark-bounce.json', (b) => (b.Email = bounced.address)));
    expect(res.statusCode, res.body).toBe(200);
    expect(await statusOf(bounced.id)).toBe('bounced');
    const event = await lastEvent(bounced.id);
    expect(event).toMatchObject({ type: 'bounce', source: 'postmark' });
    expect(event).not.toHaveProperty('dispatchId');
    expect(await status(h, dispatchId)).toMatchObject({ bounced: 2 });

    const leaving = readers[4]!;
    const change = about<any>('postmark-subscription-change.json', (c) => {
      c.Recipient = leaving.address;
      c.SuppressionReason = 'ManualSuppression';
    });
    expect((await relay.postmark(change)).statusCode).toBe(200);
    expect(await statusOf(leaving.id)).toBe('unsubscribed');
    expect(await lastEvent(leaving.id)).toMatchObject({ type: 'withdraw', channel: 'relay', source: 'postmark' });
  });

  it('forged requests get a 4xx and change nothing', async () => {
    const r = readers[5]!;
    const log = await h.services.subscribers.consentLog(r.id);
    const complaint = about<any>('mailgun-complained.json', (e) => (e.recipient = r.address));
    expect((await relay.mailgun(complaint, { key: 'not-the-signing-key' })).statusCode).toBe(401);
    const bounce = { ...about<any[]>('sendgrid-events.json', () => undefined).find((e) => e.event === 'bounce'), email: r.address };
    expect((await relay.sendgrid([bounce], { forged: true })).statusCode).toBe(401);
    expect((await relay.postmark(about<any>('postmark-spam-complaint.json', (c) => (c.Email = r.address)), 'postmark:wrong')).statusCode).toBe(401);
    // Signed for one topic, claiming another.
    expect((await relay.ses(sesBounce(r), { TopicArn: 'arn:aws:sns:us-west-2:123456789012:Other' })).statusCode).toBe(401);
    expect(await statusOf(r.id)).toBe('active');
    expect(await h.services.subscribers.consentLog(r.id)).toEqual(log);
  });

  it("a provider's retry of the same event changes nothing twice", async () => {
    const r = readers[6]!;
    const complaint = about<any>('postmark-spam-complaint.json', (c) => (c.Email = r.address));
    const first = await relay.postmark(complaint);
    expect(first.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    const log = await h.services.subscribers.consentLog(r.id);
    const again = await relay.postmark(complaint);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await h.services.subscribers.consentLog(r.id)).toEqual(log);
    expect(await statusOf(r.id)).toBe('complained');
  });

  it("the replay guard's keys hold no address, though some providers' event ids do", async () => {
    expect(await keysMentioning(`${h.prefix}:feedback:webhook`, readers[6]!.address)).toEqual([]);
    expect((await h.services.redis.keys(`${h.prefix}:feedback:webhook:event:*`)).length).toBeGreaterThan(0);
  });
});

describe('relays that are not configured', () => {
  let bare: FeedbackHarness;
  beforeAll(async () => {
    bare = await createFeedbackHarness();
  });
  afterAll(async () => bare?.close());

  it('answer 404 WEBHOOK_NOT_CONFIGURED', async () => {
    for (const provider of ['ses', 'mailgun', 'sendgrid', 'postmark']) {
      const res = await bare.app.inject({ method: 'POST', url: `/webhooks/${provider}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect({ provider, status: res.statusCode, code: res.json().error.code }).toEqual({ provider, status: 404, code: 'WEBHOOK_NOT_CONFIGURED' });
    }
  });
});
