import { z } from 'zod';
import { envDocs, int, list, optionalString } from './fields.ts';

/** The variables of the delivery feedback: bounces and complaints (src/feedback/); part of `envSchema`. */
export const feedbackEnv = {
  BOUNCE_ADDRESS: optionalString().register(envDocs, {
    description:
      'Envelope sender for bounces, e.g. `bounces@bounces.example.org`. Set: every bulk copy goes out with a VERP ' +
      'sender `bounces+<token>@bounces.example.org` (the token names the dispatch and reader under an HMAC), and ' +
      'confirmations, test copies and feed notices with this plain address. Unset: the envelope sender is the `MAIL_FROM` address. ' +
      'The `From:` header never changes.',
  }),
  BOUNCE_SMTP_PORT: int(0, 0, 65535).register(envDocs, {
    description:
      'Port of the inbound bounce listener each worker runs (an SMTP server an MX record points at; mail only for the ' +
      "`BOUNCE_ADDRESS` domain). 0: no listener. Needs `BOUNCE_ADDRESS` (required in production when set).",
  }),
  BOUNCE_SMTP_HOST: z.string().default('127.0.0.1').register(envDocs, {
    description: 'Interface the bounce listener binds to; `0.0.0.0` to take mail from the internet (or forward port 25 to it).',
  }),
  BOUNCE_IMAP_URL: optionalString().register(envDocs, {
    description:
      'A bounce mailbox to poll instead of (or besides) the listener: `imaps://user:pass@host/INBOX` (`imap://` only with ' +
      'STARTTLS). Each message is handed over once, then flagged `$BriefwireProcessed`. One worker polls at a time.',
  }),
  BOUNCE_IMAP_INTERVAL: int(60, 10, 86_400).register(envDocs, { description: 'Seconds between polls of `BOUNCE_IMAP_URL` (10–86400).' }),
  SOFT_BOUNCE_LIMIT: int(3, 1, 100).register(envDocs, {
    description:
      'Soft bounces (mailbox full, blocked, expired…) after which a reader becomes `bounced`, each dispatch counted once, ' +
      'within `SOFT_BOUNCE_DAYS` (1–100). A later delivery reported by the relay starts the count again.',
  }),
  SOFT_BOUNCE_DAYS: int(30, 1, 365).register(envDocs, { description: 'The window of `SOFT_BOUNCE_LIMIT`, in days (1–365).' }),
  COMPLAINT_PAUSE_RATE: z.coerce
    .number()
    .gt(0)
    .max(1)
    .default(0.003)
    .register(envDocs, {
      description:
        'A dispatch pauses itself (`COMPLAINT_SPIKE`) once its complaints pass this share of its sent copies (0.3%, ' +
        "where Gmail and Yahoo start throttling), after at least `COMPLAINT_PAUSE_MIN_SENT` sent. Above 0, at most 1.",
    }),
  COMPLAINT_PAUSE_MIN_SENT: int(1000, 1).register(envDocs, {
    description: 'Copies a dispatch must have sent before its complaint rate can pause it (at least 1): a few complaints early on are noise.',
  }),
  SES_WEBHOOK_TOPIC_ARNS: list('')
    .refine((arns) => arns.every((a) => /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,256}$/.test(a)), 'must be comma-separated SNS topic ARNs')
    .register(envDocs, {
      description:
        'Comma-separated SNS topic ARNs whose SES notifications `POST /webhooks/ses` accepts (signature checked, subscription ' +
        'confirmed automatically). Empty: the route answers 404.',
    }),
  MAILGUN_WEBHOOK_SIGNING_KEY: optionalString().register(envDocs, {
    description: "Mailgun's HTTP webhook signing key, for `POST /webhooks/mailgun`. Unset: the route answers 404.",
  }),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optionalString().register(envDocs, {
    description:
      "The signed Event Webhook's verification key, base64 as SendGrid shows it, for `POST /webhooks/sendgrid`. Unset: the route answers 404.",
  }),
  POSTMARK_WEBHOOK_AUTH: optionalString().register(envDocs, {
    description:
      '`user:password` that Postmark sends as HTTP Basic credentials (put them in the webhook URL), for `POST /webhooks/postmark`. ' +
      'Unset: the route answers 404.',
  }),
};
