import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from '../../http/errors.ts';
import { WebhookRejection, unauthorized, type WebhookEvent, type WebhookProvider } from './event.ts';
import { guardKey, type ReplayGuard } from './replayGuard.ts';
import { isSubscribeUrl, parseSnsMessage, verifySnsMessage, type FetchCertificate } from './sns.ts';
import { createSnsCertificateFetcher, createSnsUrlFetcher } from './snsFetch.ts';
import { parseSesNotification } from './ses.ts';
import { parseMailgunEvent, parseMailgunPayload, verifyMailgun } from './mailgun.ts';
import { parseSendGridEvents, parseSendGridPublicKey, verifySendGrid } from './sendgrid.ts';
import { parsePostmarkAuth, parsePostmarkRecord, verifyPostmarkAuth } from './postmark.ts';

/**
 * POST /webhooks/ses | mailgun | sendgrid | postmark. Each request is verified
 * before anything is claimed or handed on; each event is claimed once through
 * the replay guard, so a provider's retry reaches the intake with nothing new.
 * Register without a prefix: the paths are absolute.
 */

export interface WebhookRoutesOptions {
  /** SES_WEBHOOK_TOPIC_ARNS; the SNS message Timestamp may be at most `maxAgeSec` old (default 3600). */
  ses?: { topicArns: readonly string[]; maxAgeSec?: number };
  /** MAILGUN_WEBHOOK_SIGNING_KEY; signatures at most `maxSkewSec` from now (default 300). */
  mailgun?: { signingKey: string; maxSkewSec?: number };
  /** SENDGRID_WEBHOOK_PUBLIC_KEY, base64 DER as SendGrid shows it; `maxSkewSec` default 300. */
  sendgrid?: { publicKey: string; maxSkewSec?: number };
  /** POSTMARK_WEBHOOK_AUTH, `user:password`. */
  postmark?: { auth: string };
  /** Fetches an SNS signing certificate (PEM); default: https fetch, 5 s timeout, 64 KB cap, cached by URL. */
  fetchCertificate?: FetchCertificate;
  /** Visits an SNS SubscribeURL; default: https GET, 5 s timeout, no redirects. */
  fetchUrl?: (url: string) => Promise<void>;
  replayGuard: ReplayGuard;
  /** Receives only verified, first-seen, non-ignored events. A throw makes the provider retry. */
  intake(events: WebhookEvent[]): Promise<void>;
  /** Default 1 MiB; larger bodies get 413. */
  bodyLimit?: number;
  /** How long an event id is remembered; must outlast every provider's retries (default 7 days). */
  eventTtlSec?: number;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

interface Outcome {
  events: WebhookEvent[];
  /** Guard keys claimed while verifying, released if the intake fails. */
  claims?: string[];
  note?: Record<string, string>;
}

const retryLater = (code: string, message: string) => new WebhookRejection('unavailable', code, message);

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof WebhookRejection) {
    if (err.kind === 'malformed') return new HttpError(400, err.code, err.message, [{ field: err.field ?? 'body', message: err.message }]);
    if (err.kind === 'unauthorized') return new HttpError(401, err.code, err.message);
    return new HttpError(503, err.code, err.message);
  }
  const e = err as FastifyError;
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'BODY_TOO_LARGE', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This content type is not accepted here.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpError(400, 'INVALID_BODY', 'The body length does not match Content-Length.', [{ field: 'body', message: 'length mismatch' }]);
  }
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, e.code ?? 'BAD_REQUEST', e.message);
  // A store or intake that is down, or a bug: the provider retries a 503, and a 500 helps nobody.
  return new HttpError(503, 'WEBHOOK_UNAVAILABLE', 'The webhook could not be processed now. Try again later.');
}

function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown) {
  const e = toHttpError(err);
  if (e.statusCode === 503) {
    req.log.error({ err, code: e.code }, 'webhook not processed');
    reply.header('Retry-After', '60');
  } else {
    req.log.warn({ code: e.code, status: e.statusCode, url: req.url }, 'webhook refused');
  }
  if (e.code === 'WEBHOOK_AUTH_INVALID') reply.header('WWW-Authenticate', 'Basic realm="webhooks", charset="UTF-8"');
  return reply.code(e.statusCode).send({ error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } });
}

export default async function webhookRoutes(app: FastifyInstance, opts: WebhookRoutesOptions) {
  const now = opts.now ?? Date.now;
  const bodyLimit = opts.bodyLimit ?? 1_048_576;
  const eventTtlSec = opts.eventTtlSec ?? 7 * 24 * 3600;
  const guard = opts.replayGuard;
  // Settings are checked here, at registration, so a bad key fails the start and not the first webhook.
  const sendgridKey = opts.sendgrid ? parseSendGridPublicKey(opts.sendgrid.publicKey) : undefined;
  const postmarkAuth = opts.postmark ? parsePostmarkAuth(opts.postmark.auth) : undefined;
  if (opts.ses && opts.ses.topicArns.length === 0) throw new Error('the SES webhook needs at least one topic ARN');
  if (opts.mailgun && !opts.mailgun.signingKey) throw new Error('the Mailgun webhook needs a signing key');
  const fetchCertificate = opts.fetchCertificate ?? createSnsCertificateFetcher();
  const fetchUrl = opts.fetchUrl ?? createSnsUrlFetcher();

  // Signatures are over the exact bytes sent (SNS even posts its JSON as text/plain): every body is read raw here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => sendError(req, reply, err));

  async function deliver(o: Outcome) {
    const actionable = o.events.filter((e) => e.kind !== 'ignored');
    const keys = actionable.map((e) => guardKey('event', e.eventId));
    // Claimed together (a SendGrid batch can hold hundreds); a key repeated in one batch is claimed once.
    const claims = await Promise.allSettled(keys.map((k) => guard.firstTime(k, eventTtlSec)));
    const won = claims.map((c) => c.status === 'fulfilled' && c.value);
    const claimed = keys.filter((_, i) => won[i]);
    const fresh = actionable.filter((_, i) => won[i]);
    try {
      const failed = claims.find((c): c is PromiseRejectedResult => c.status === 'rejected');
      if (failed) throw failed.reason;
      if (fresh.length > 0) await opts.intake(fresh);
    } catch (err) {
      // Unclaim, so that the provider's retry is processed rather than taken for a duplicate.
      await Promise.allSettled([...claimed, ...(o.claims ?? [])].map((k) => guard.forget(k)));
      throw err instanceof WebhookRejection ? err : Object.assign(retryLater('WEBHOOK_INTAKE_UNAVAILABLE', 'The events could not be recorded now. Try again later.'), { cause: err });
    }
    return { received: o.events.length, accepted: fresh.length, duplicates: actionable.length - fresh.length, ignored: o.events.length - actionable.length };
  }

  function route(provider: WebhookProvider, configured: boolean, handle: (raw: Buffer, req: FastifyRequest, receivedAt: string) => Promise<Outcome>) {
    app.post(`/webhooks/${provider}`, { bodyLimit }, async (req, reply) => {
      if (!configured) throw new HttpError(404, 'WEBHOOK_NOT_CONFIGURED', `The ${provider} webhook is not configured.`);
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const outcome = await handle(raw, req, new Date(now()).toISOString());
      const counts = await deliver(outcome);
      if (counts.accepted > 0) req.log.info({ provider, ...counts }, 'webhook events accepted');
      return reply.code(200).send({ ok: true, ...counts, ...outcome.note });
    });
  }

  route('ses', !!opts.ses, async (raw, req) => {
    const m = parseSnsMessage(raw);
    await verifySnsMessage(m, { topicArns: opts.ses!.topicArns, fetchCertificate, maxAgeSec: opts.ses!.maxAgeSec ?? 3600, now: now() });
    if (m.Type === 'SubscriptionConfirmation') {
      if (!isSubscribeUrl(m.SubscribeURL!, m.TopicArn)) throw unauthorized('WEBHOOK_SUBSCRIBE_URL_INVALID', 'SubscribeURL is not an SNS ConfirmSubscription URL for this topic.');
      try {
        await fetchUrl(m.SubscribeURL!);
      } catch (err) {
        throw Object.assign(retryLater('WEBHOOK_SUBSCRIBE_FAILED', 'The subscription could not be confirmed now.'), { cause: err });
      }
      req.log.info({ topicArn: m.TopicArn }, 'SNS subscription confirmed');
      return { events: [], note: { subscription: 'confirmed' } };
    }
    if (m.Type === 'UnsubscribeConfirmation') {
      // Someone unsubscribed this endpoint; resubscribing is an operator's call, not ours.
      req.log.warn({ topicArn: m.TopicArn }, 'SNS subscription removed');
      return { events: [], note: { subscription: 'removed' } };
    }
    return { events: parseSesNotification(m.Message, m.MessageId, m.Timestamp) };
  });

  route('mailgun', !!opts.mailgun, async (raw, _req, receivedAt) => {
    const p = parseMailgunPayload(raw);
    await verifyMailgun(p, { signingKey: opts.mailgun!.signingKey, maxSkewSec: opts.mailgun!.maxSkewSec ?? 300, replayGuard: guard, now: now() });
    const claims = [guardKey('mailgun-token', p.signature.token)];
    try {
      return { events: parseMailgunEvent(p.eventData, receivedAt), claims };
    } catch (err) {
      // Signed but unreadable: let a corrected resend through.
      await guard.forget(claims[0]).catch(() => undefined);
      throw err;
    }
  });

  route('sendgrid', !!sendgridKey, async (raw, req, receivedAt) => {
    verifySendGrid(raw, req.headers, { publicKey: sendgridKey!, maxSkewSec: opts.sendgrid!.maxSkewSec ?? 300, now: now() });
    return { events: parseSendGridEvents(raw, receivedAt) };
  });

  route('postmark', !!postmarkAuth, async (raw, req, receivedAt) => {
    verifyPostmarkAuth(req.headers.authorization, postmarkAuth!);
    return { events: parsePostmarkRecord(raw, receivedAt) };
  });
}
