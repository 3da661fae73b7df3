import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { normalizeAddress } from '../../subscribers/address.ts';
import { parseCadence, type CadenceSetting } from '../../cadence/model.ts';
import { canonicalTimeZone } from '../../cadence/time.ts';
import type { ApiServices } from '../services.ts';
import { clientKey } from '../clientKey.ts';
import { badRequest, HttpError, wantsHtml, type FieldError } from '../errors.ts';
import { html, Html, page } from '../html.ts';

export const HONEYPOT_FIELD = 'website';
export const HONEYPOT_LABEL = 'This field is for validation purposes and should be left unchanged.';
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const CONTROL = /[\u0000-\u001f\u007f]/;

// Built once per topic list (the config's is frozen, so once per process): zod
// schemas are costly to construct, cheap to run.
const schemas = new WeakMap<readonly string[], ReturnType<typeof buildSignupSchema>>();
const signupSchema = (topics: readonly string[]) => {
  let schema = schemas.get(topics);
  if (!schema) schemas.set(topics, (schema = buildSignupSchema(topics)));
  return schema;
};

const buildSignupSchema = (topics: readonly string[]) =>
  z.object({
    // The address is checked by normalizeAddress alone, so its messages are the ones a reader sees.
    email: z.unknown(),
    name: z
      .string()
      .max(200)
      .refine((s) => !CONTROL.test(s), 'must not contain control characters')
      .default(''),
    topics: z.array(z.enum(topics as [string, ...string[]], { error: 'is not a known topic' })).max(topics.length).default([]),
  });

/** Form posts send one checkbox as a string and several as an array. */
function asArray(v: unknown) {
  return typeof v === 'string' ? [v] : v;
}

export interface SignupRequest {
  email: string;
  name: string;
  topics: string[];
  cadence: CadenceSetting;
  /** Absent: DIGEST_TIME_ZONE. */
  timeZone?: string;
}

/**
 * `cadence`: "instant" (default), "daily", or a map from topic to either;
 * `timeZone`: an IANA name. On the form the browser fills the zone in, so a
 * zone it got wrong falls back to the default instead of an error the reader
 * cannot fix.
 */
export function parseSignup(body: unknown, topics: readonly string[], opts: { form?: boolean } = {}): SignupRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest([{ field: 'body', message: 'must be an object' }]);
  const keys = Object.keys(body);
  // Also `__proto__[x]` and `a.constructor`: another parser (or a later merge) could nest those.
  const bad = keys.find((k) => k.split(/[[\].]/).some((part) => FORBIDDEN_KEYS.has(part)));
  if (bad) throw badRequest([{ field: bad, message: 'is not allowed' }]);
  const b = body as Record<string, unknown>;
  const parsed = signupSchema(topics).safeParse({ email: b.email, name: b.name || undefined, topics: asArray(b.topics) });
  const fields: FieldError[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message }));
  const address = normalizeAddress(b.email);
  if (!address.ok && !fields.some((f) => f.field === 'email')) fields.push({ field: 'email', message: address.message });
  const cadence = parseCadence(b.cadence, topics);
  if (!cadence.ok) fields.push({ field: 'cadence', message: cadence.message });
  const given = b.timeZone === undefined || b.timeZone === '' ? undefined : canonicalTimeZone(b.timeZone);
  if (given === null && !opts.form) fields.push({ field: 'timeZone', message: 'must be an IANA time zone name, such as Europe/Paris' });
  if (fields.length || !parsed.success || !address.ok || !cadence.ok) throw badRequest(fields);
  return {
    email: address.address,
    name: parsed.data.name.trim(),
    topics: [...new Set(parsed.data.topics)],
    cadence: cadence.value,
    ...(given ? { timeZone: given } : {}),
  };
}

/** The signup page's one script: the reader's time zone from the browser, into the hidden field. */
const TIME_ZONE_SCRIPT = `try { document.getElementById('timeZone').value = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) {}`;

/** The site's CSP (SITE_CSP_DIRECTIVES in src/http/securityHeaders.ts) plus that one script, by nonce. */
const signupCsp = (nonce: string) =>
  ["default-src 'none'", `script-src 'nonce-${nonce}'`, "style-src 'unsafe-inline'", 'img-src https: data:', "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"].join('; ');

export function sendSignupForm(reply: FastifyReply, s: ApiServices, code: number, errors: FieldError[] = [], values: Record<string, unknown> = {}) {
  const nonce = randomBytes(16).toString('base64');
  return reply.code(code).header('Content-Security-Policy', signupCsp(nonce)).type('text/html; charset=utf-8').send(signupForm(s, errors, values, nonce));
}

export function signupForm(s: ApiServices, errors: FieldError[] = [], values: Record<string, unknown> = {}, nonce?: string) {
  const err = (f: string) => errors.filter((e) => e.field === f || e.field.startsWith(`${f}.`)).map((e) => html`<div class="error">${e.message}</div>`);
  // Errors on anything but the visible fields (a forbidden key, the body itself) go above the form.
  const shown = ['email', 'name', 'topics', 'cadence'];
  const other = errors.filter((e) => !shown.some((f) => e.field === f || e.field.startsWith(`${f}.`)));
  return page({
    title: 'Subscribe',
    listName: s.config.mail.listName,
    body: html`<h1>Subscribe to ${s.config.mail.listName} email alerts</h1>
<p>Rapid expert insight in your inbox as global events unfold.</p>
${other.map((e) => html`<div class="error">${e.field}: ${e.message}</div>`)}
<form method="post" action="/subscribe" novalidate>
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" required autocomplete="email" maxlength="254" value="${String(values.email ?? '')}">
  ${err('email')}
  <label for="name">Name <span class="muted">(optional)</span></label>
  <input id="name" name="name" type="text" autocomplete="name" maxlength="200" value="${String(values.name ?? '')}">
  ${err('name')}
  <fieldset><legend>Topics <span class="muted">(none ticked: every brief)</span></legend>
  ${s.config.topics.map((t, i) => html`<label><input type="checkbox" name="topics" value="${t}" id="topic-${i}"> ${t}</label>`)}
  </fieldset>
  ${err('topics')}
  <fieldset><legend>How often</legend>
  <label><input type="radio" name="cadence" value="instant" id="cadence-instant"${values.cadence === 'daily' ? '' : ' checked'}> Each alert as it is published</label>
  <label><input type="radio" name="cadence" value="daily" id="cadence-daily"${values.cadence === 'daily' ? ' checked' : ''}> One daily digest, in the morning</label>
  </fieldset>
  ${err('cadence')}
  <input type="hidden" id="timeZone" name="timeZone" value="${typeof values.timeZone === 'string' ? values.timeZone : ''}">
  <div class="hp" aria-hidden="true">
    <label for="${HONEYPOT_FIELD}">${HONEYPOT_LABEL}</label>
    <input id="${HONEYPOT_FIELD}" name="${HONEYPOT_FIELD}" type="text" tabindex="-1" autocomplete="off" value="">
  </div>
  <p class="muted">${s.config.consent.text}</p>
  <button type="submit">Subscribe</button>
</form>${nonce ? html`<script nonce="${nonce}">${new Html(TIME_ZONE_SCRIPT)}</script>` : ''}`,
  });
}

const subscribeRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  app.get('/', async (_req, reply) => reply.redirect('/subscribe'));
  app.get('/subscribe', async (_req, reply) => sendSignupForm(reply, s, 200));

  app.post('/subscribe', async (req, reply) => {
    const form = wantsHtml(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const accepted = () =>
      form
        ? reply
            .code(202)
            .type('text/html; charset=utf-8')
            .send(
              page({
                title: 'Check your inbox',
                listName: s.config.mail.listName,
                body: html`<h1>Check your inbox</h1><p>If the address can receive alerts, a confirmation email is on its way. Open the link in it to start receiving ${s.config.mail.listName}.</p>`,
              }),
            )
        : reply.code(202).send({ status: 'pending' });

    // A bot that filled the honeypot is told it worked and nothing happens.
    if (body && typeof body === 'object' && typeof body[HONEYPOT_FIELD] === 'string' && body[HONEYPOT_FIELD] !== '') {
      s.metrics.signups.inc({ outcome: 'honeypot' });
      return accepted();
    }
    let input;
    try {
      input = parseSignup(body, s.config.topics, { form });
    } catch (e) {
      s.metrics.signups.inc({ outcome: 'invalid' });
      if (form && e instanceof HttpError && e.statusCode === 400) {
        return sendSignupForm(reply, s, 400, e.fields, body);
      }
      throw e;
    }
    // Same work for every address state; the mail worker decides whether to send.
    // One round trip: rate limits, the signup and its confirmation's place in the outbox.
    const event = {
      type: 'signup' as const,
      at: new Date().toISOString(),
      ip: req.ip,
      userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300),
      consentVersion: s.config.consent.version,
      source: form ? ('form' as const) : ('api' as const),
    };
    // The per-IP window counts per client (an IPv6 client by its /64); the consent record keeps the exact address.
    const outcome = await s.subscribers.signup({ ...input, event }, s.signupLimits.windows(clientKey(req.ip)));
    if (outcome.limited) {
      s.metrics.signups.inc({ outcome: 'rate_limited' });
      s.metrics.rateLimited.inc({ limit: outcome.limit });
      reply.header('Retry-After', String(outcome.retryAfterSec));
      throw new HttpError(429, 'RATE_LIMITED', 'Too many signups from here. Try again later.');
    }
    s.metrics.signups.inc({ outcome: 'accepted' });
    return accepted();
  });
};

export default subscribeRoutes;
