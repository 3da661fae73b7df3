import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

/** The feedback variables are read once, at start: a bad one fails the start with its name, never its value. */

const production = {
  NODE_ENV: 'production',
  SECRET_KEY: 'k'.repeat(40),
  SMTP_URL: 'smtp://relay.example.org',
  PUBLIC_URL: 'https://news.example.org',
  EDITOR_TOKENS: 't'.repeat(40),
  METRICS_TOKEN: 'm'.repeat(40),
};
const refused = (env: Record<string, string>, variable: string) => {
  let error: unknown;
  try {
    loadConfig(env);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(`${variable}:`);
  return (error as Error).message;
};

describe('feedback configuration', () => {
  it('defaults: no VERP, no listener, no mailbox, every relay off; the issue’s thresholds', () => {
    const f = loadConfig({}).feedback;
    expect(f).toEqual({
      bounceAddress: undefined,
      smtp: undefined,
      imap: undefined,
      softBounceLimit: 3,
      softBounceDays: 30,
      complaintPauseRate: 0.003,
      complaintPauseMinSent: 1000,
      webhooks: { ses: undefined, mailgun: undefined, sendgrid: undefined, postmark: undefined },
    });
  });

  it('reads every variable', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const f = loadConfig({
      BOUNCE_ADDRESS: 'bounces@bounces.example.org',
      BOUNCE_SMTP_PORT: '2525',
      BOUNCE_SMTP_HOST: '0.0.0.0',
      BOUNCE_IMAP_URL: 'imaps://u:p@imap.example.org/INBOX',
      BOUNCE_IMAP_INTERVAL: '120',
      SOFT_BOUNCE_LIMIT: '5',
      SOFT_BOUNCE_DAYS: '14',
      COMPLAINT_PAUSE_RATE: '0.001',
      COMPLAINT_PAUSE_MIN_SENT: '10',
      SES_WEBHOOK_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:bounces, arn:aws:sns:us-east-1:123456789012:complaints',
      MAILGUN_WEBHOOK_SIGNING_KEY: 'key-123',
      SENDGRID_WEBHOOK_PUBLIC_KEY: key,
      POSTMARK_WEBHOOK_AUTH: 'pm:secret',
    }).feedback;
    expect(f).toMatchObject({
      bounceAddress: 'bounces@bounces.example.org',
      smtp: { host: '0.0.0.0', port: 2525 },
      imap: { url: 'imaps://u:p@imap.example.org/INBOX', intervalSec: 120 },
      softBounceLimit: 5,
      softBounceDays: 14,
      complaintPauseRate: 0.001,
      complaintPauseMinSent: 10,
      webhooks: {
        ses: { topicArns: ['arn:aws:sns:eu-west-1:123456789012:bounces', 'arn:aws:sns:us-east-1:123456789012:complaints'] },
        mailgun: { signingKey: 'key-123' },
        sendgrid: { publicKey: key },
        postmark: { auth: 'pm:secret' },
      },
    });
  });

  it('refuses bad values, naming the variable and never quoting a secret', () => {
    refused({ BOUNCE_ADDRESS: 'not an address' }, 'BOUNCE_ADDRESS');
    refused({ BOUNCE_ADDRESS: `${'b'.repeat(40)}@bounces.example.org` }, 'BOUNCE_ADDRESS');
    refused({ BOUNCE_IMAP_URL: 'https://u:p@imap.example.org/' }, 'BOUNCE_IMAP_URL');
    expect(refused({ BOUNCE_IMAP_URL: 'imaps://imap.example.org/' }, 'BOUNCE_IMAP_URL')).toContain('needs a user and a password');
    const message = refused({ SENDGRID_WEBHOOK_PUBLIC_KEY: 'c2VjcmV0LWJ1dC1ub3QtYS1rZXk=' }, 'SENDGRID_WEBHOOK_PUBLIC_KEY');
    expect(message).not.toContain('c2VjcmV0');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    refused({ SENDGRID_WEBHOOK_PUBLIC_KEY: rsa }, 'SENDGRID_WEBHOOK_PUBLIC_KEY');
    expect(refused({ POSTMARK_WEBHOOK_AUTH: 'no-colon-secret' }, 'POSTMARK_WEBHOOK_AUTH')).not.toContain('no-colon-secret');
    refused({ SES_WEBHOOK_TOPIC_ARNS: 'MyTopic' }, 'SES_WEBHOOK_TOPIC_ARNS');
    refused({ COMPLAINT_PAUSE_RATE: '0' }, 'COMPLAINT_PAUSE_RATE');
    refused({ SOFT_BOUNCE_LIMIT: '0' }, 'SOFT_BOUNCE_LIMIT');
    refused({ BOUNCE_SMTP_PORT: '70000' }, 'BOUNCE_SMTP_PORT');
  });

  it('a bounce listener without BOUNCE_ADDRESS: refused in production, off with a warning elsewhere', () => {
    refused({ ...production, BOUNCE_SMTP_PORT: '2525' }, 'BOUNCE_SMTP_PORT');
    expect(loadConfig({ ...production, BOUNCE_SMTP_PORT: '2525', BOUNCE_ADDRESS: 'bounces@bounces.example.org' }).feedback.smtp).toEqual({ host: '127.0.0.1', port: 2525 });
    const dev = loadConfig({ BOUNCE_SMTP_PORT: '2525' });
    expect(dev.feedback.smtp).toBeUndefined();
    expect(dev.warnings.join('\n')).toContain('BOUNCE_SMTP_PORT is set without BOUNCE_ADDRESS');
  });
});
