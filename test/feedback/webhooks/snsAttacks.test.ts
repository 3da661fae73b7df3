import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import webhookRoutes from '../../../src/feedback/webhooks/routes.ts';
import { CertificateNotFound } from '../../../src/feedback/webhooks/sns.ts';
import { buildApp, fixture, memoryReplayGuard, snsHeaders, snsSigner, type SnsSigner, type TestApp } from './support.ts';

/**
 * Everything that must not get past POST /webhooks/ses: forged or altered
 * signatures, certificates from anywhere but an https SNS host, SubscribeURLs
 * off that host, foreign topics, stale messages. Each is a 4xx that fetches
 * nothing it should not and hands the intake nothing.
 */

const TOPIC = 'arn:aws:sns:us-west-2:123456789012:MyTopic';

let signer: SnsSigner;
let attacker: SnsSigner;
let t: TestApp;
const certFetches: string[] = [];
const visited: string[] = [];
const failIntake: { next?: boolean } = {};
let certDown = false;
let certMissing = false;

beforeAll(async () => {
  signer = snsSigner();
  attacker = snsSigner();
  t = await buildApp(
    {
      ses: { topicArns: [TOPIC] },
      fetchCertificate: async (url) => {
        certFetches.push(url);
        if (certDown) throw new Error('connect ETIMEDOUT');
        if (certMissing) throw new CertificateNotFound('GET answered 404');
        return signer.pem;
      },
      fetchUrl: async (url) => {
        visited.push(url);
      },
    },
    failIntake,
  );
});
afterAll(async () => t?.app.close());

const bounce = (feedbackId: string) => {
  const b = fixture<{ bounce: Record<string, unknown> }>('ses-bounce-with-dsn.json');
  return JSON.stringify({ ...b, bounce: { ...b.bounce, feedbackId } });
};
const envelope = (overrides: Record<string, unknown> = {}) => ({ ...fixture('sns-notification.json'), Message: bounce('f-attack'), Timestamp: new Date().toISOString(), ...overrides });
const post = (body: unknown, headers: Record<string, string> = snsHeaders('Notification')) =>
  t.app.inject({ method: 'POST', url: '/webhooks/ses', headers, payload: typeof body === 'string' ? body : JSON.stringify(body) });

async function refused(body: unknown, status: number, code: string) {
  const before = t.batches.length;
  const res = await post(body);
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json().error.code).toBe(code);
  expect(t.batches.length).toBe(before);
  return res;
}

describe('forged and altered messages', () => {
  it('a message signed with another key is refused', async () => {
    await refused(attacker.sign(envelope()), 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a message altered after signing is refused, in the Message or in the Subject', async () => {
    const signed = signer.sign(envelope());
    await refused({ ...signed, Message: bounce('f-altered') }, 401, 'WEBHOOK_SIGNATURE_INVALID');
    await refused({ ...signed, Subject: 'Something else' }, 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('a SignatureVersion 1 signature presented as version 2 is refused', async () => {
    const signed = signer.sign(envelope(), '1');
    await refused({ ...signed, SignatureVersion: '2' }, 401, 'WEBHOOK_SIGNATURE_INVALID');
  });

  it('an unknown SignatureVersion is a 400 naming it', async () => {
    const res = await refused({ ...signer.sign(envelope()), SignatureVersion: '3' }, 400, 'WEBHOOK_PAYLOAD_INVALID');
    expect(res.json().error.fields[0].field).toBe('SignatureVersion');
  });
});

describe('SigningCertURL', () => {
  const bad = [
    'https://sns.us-west-2.amazonaws.com.evil.com/SimpleNotificationService-x.pem',
    'http://sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem',
    'https://attacker@sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem',
    'https://sns.us-west-2.amazonaws.com@evil.com/SimpleNotificationService-x.pem',
    'https://sns.us-west-2.amazonaws.com:8443/SimpleNotificationService-x.pem',
    'https://evil.com/sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem',
    'https://evilsns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem',
    'https://s3.us-west-2.amazonaws.com/SimpleNotificationService-x.pem',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-x.txt',
    'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-x.pem?x=.pem',
    'https://sns.us-west-2.amazonaws.com\\@evil.com/x.pem',
    'https://sns.us-west-2.amazonaws.com.cn.evil.com/x.pem',
    'file:///etc/passwd.pem',
  ];
  for (const url of bad) {
    it(`refuses ${url} without fetching it`, async () => {
      certFetches.length = 0;
      await refused(signer.sign(envelope({ SigningCertURL: url })), 401, 'WEBHOOK_CERT_URL_INVALID');
      expect(certFetches).toEqual([]);
    });
  }

  it('accepts the China regions\' amazonaws.com.cn host', async () => {
    const url = 'https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-x.pem';
    certFetches.length = 0;
    const res = await post(signer.sign(envelope({ SigningCertURL: url, Message: bounce('f-china') })));
    expect(res.statusCode, res.body).toBe(200);
    expect(certFetches).toEqual([url]);
  });

  it('a certificate URL that SNS does not know (made up) is a 401, not a retry', async () => {
    certMissing = true;
    try {
      await refused(signer.sign(envelope({ Message: bounce('f-cert-missing') })), 401, 'WEBHOOK_SIGNATURE_INVALID');
    } finally {
      certMissing = false;
    }
  });

  it('a certificate that cannot be fetched is a 503, so that SNS retries', async () => {
    certDown = true;
    try {
      const res = await refused(signer.sign(envelope({ Message: bounce('f-cert-down') })), 503, 'WEBHOOK_CERT_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      certDown = false;
    }
  });
});

describe('SubscribeURL', () => {
  const confirmation = (SubscribeURL: string) => signer.sign({ ...fixture('sns-subscription-confirmation.json'), SubscribeURL, Timestamp: new Date().toISOString() });
  for (const url of [
    'https://evil.com/?Action=ConfirmSubscription&Token=abc',
    'http://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=abc',
    'https://sns.us-west-2.amazonaws.com.evil.com/?Action=ConfirmSubscription&Token=abc',
    'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&Token=abc',
    'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:999999999999:Other&Token=abc',
  ]) {
    it(`is not visited, even in a well-signed confirmation, when it is ${url}`, async () => {
      visited.length = 0;
      await refused(confirmation(url), 401, 'WEBHOOK_SUBSCRIBE_URL_INVALID');
      expect(visited).toEqual([]);
    });
  }
});

describe('topic and freshness', () => {
  it('a certificate that has expired does not vouch for anything', async () => {
    // The test certificate is good for two days: three days on, it has expired.
    const later = Date.now() + 3 * 86_400_000;
    const t3 = await buildApp({ ses: { topicArns: [TOPIC] }, now: () => later, fetchCertificate: async () => signer.pem });
    const res = await t3.app.inject({ method: 'POST', url: '/webhooks/ses', headers: snsHeaders('Notification'), payload: JSON.stringify(signer.sign(envelope({ Timestamp: new Date(later).toISOString() }))) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(t3.batches).toEqual([]);
    await t3.app.close();
  });

  it('a topic not in SES_WEBHOOK_TOPIC_ARNS is refused before any certificate is fetched', async () => {
    certFetches.length = 0;
    await refused(signer.sign(envelope({ TopicArn: 'arn:aws:sns:us-west-2:999999999999:Other' })), 401, 'WEBHOOK_TOPIC_NOT_ALLOWED');
    expect(certFetches).toEqual([]);
  });

  it('a message older than an hour, or from well in the future, is stale', async () => {
    await refused(signer.sign(envelope({ Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() })), 401, 'WEBHOOK_STALE');
    await refused(signer.sign(envelope({ Timestamp: new Date(Date.now() + 3600_000).toISOString() })), 401, 'WEBHOOK_STALE');
  });
});

describe('the request itself', () => {
  it('malformed JSON is a 400 naming the body', async () => {
    const res = await refused('{"Type": "Notification",', 400, 'INVALID_JSON');
    expect(res.json().error.fields).toEqual([{ field: 'body', message: expect.any(String) }]);
  });

  it('a missing field is a 400 naming it', async () => {
    const { MessageId: _omit, ...rest } = signer.sign(envelope());
    const res = await refused(rest, 400, 'WEBHOOK_PAYLOAD_INVALID');
    expect(res.json().error.fields[0].field).toBe('MessageId');
  });

  it('an empty body is a 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/ses' });
    expect(res.statusCode).toBe(400);
  });

  it('a body over the limit is a 413', async () => {
    const res = await post(signer.sign(envelope({ Message: 'x'.repeat(1_100_000) })));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BODY_TOO_LARGE');
  });

  it('an intake failure is a 503, and the retry is processed rather than taken for a duplicate', async () => {
    const msg = signer.sign(envelope({ Message: bounce('f-intake-down') }));
    failIntake.next = true;
    const first = await post(msg);
    expect(first.statusCode).toBe(503);
    expect(first.json().error.code).toBe('WEBHOOK_INTAKE_UNAVAILABLE');
    const before = t.batches.length;
    const retry = await post(msg);
    expect(retry.json()).toMatchObject({ accepted: 1 });
    expect(t.batches.length).toBe(before + 1);
  });
});

describe('configuration', () => {
  it('an unconfigured provider answers 404 WEBHOOK_NOT_CONFIGURED', async () => {
    for (const p of ['ses', 'mailgun', 'sendgrid', 'postmark']) {
      const bare = await buildApp({});
      const res = await bare.app.inject({ method: 'POST', url: `/webhooks/${p}`, headers: { 'content-type': 'application/json' }, payload: '{}' });
      expect(res.statusCode, p).toBe(404);
      expect(res.json().error.code).toBe('WEBHOOK_NOT_CONFIGURED');
      await bare.app.close();
    }
  });

  it('reads raw bodies only in its own scope: the parent app keeps its parsers', async () => {
    const app = Fastify({ logger: false });
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, `parent:${body as string}`));
    app.post('/echo', async (req) => ({ body: req.body }));
    await app.register(webhookRoutes, { ses: { topicArns: [TOPIC] }, replayGuard: memoryReplayGuard(), intake: async () => {}, fetchCertificate: async () => signer.pem, fetchUrl: async () => {} });
    const echo = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(echo.json()).toEqual({ body: 'parent:hi' });
    const ses = await app.inject({ method: 'POST', url: '/webhooks/ses', headers: snsHeaders('Notification'), payload: JSON.stringify(signer.sign(envelope({ Message: bounce('f-scope') }))) });
    expect(ses.statusCode, ses.body).toBe(200);
    await app.close();
  });
});
