import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { maskAddress } from '../../subscribers/address.ts';
import type { Subscriber } from '../../subscribers/model.ts';
import { describeCadence, type Cadence, type CadenceSetting } from '../../cadence/model.ts';
import { canonicalTimeZone } from '../../cadence/time.ts';
import type { ApiServices } from '../services.ts';
import { html, page, type Html } from '../html.ts';

/**
 * Confirm, unsubscribe and preferences: the pages behind the links in our
 * emails. A GET never changes subscription state: confirming and
 * unsubscribing each need a POST (scanners follow links).
 */
const subscriptionRoutes: FastifyPluginAsync<{ services: ApiServices }> = async (app, { services: s }) => {
  const listName = s.config.mail.listName;
  const show = (reply: FastifyReply, code: number, title: string, body: Html) =>
    reply.code(code).type('text/html; charset=utf-8').send(page({ title, body, listName }));
  // Every bad token gets this same page: no hint which part was wrong.
  const invalidLink = (reply: FastifyReply) =>
    show(reply, 400, 'Link not valid', html`<h1>This link is not valid</h1><p>It may have expired. You can <a href="/subscribe">sign up again</a>.</p>`);

  const subscribedPage = (reply: FastifyReply, id: string, title: string, heading: string) =>
    show(reply, 200, title, html`<h1>${heading}</h1><p>${listName} alerts will arrive as new briefs are published.</p><p><a href="/preferences/${s.linkTokens.sign(id)}">Choose your topics</a></p>`);

  // A GET only shows the button: mail scanners open every link, and must not confirm for the reader.
  app.get<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
    const id = await s.confirmTokens.resolve(req.params.token);
    const sub = id ? await s.subscribers.get(id) : null;
    if (!sub) return invalidLink(reply);
    if (sub.status === 'active' && !sub.rejoinRequestedAt) return subscribedPage(reply, sub.id, 'Confirmed', 'You are confirmed');
    if (sub.status !== 'pending' && !sub.rejoinRequestedAt) return invalidLink(reply);
    return show(reply, 200, 'Confirm', html`<h1>Confirm your ${listName} alerts</h1>
<p>Send alerts to <strong>${maskAddress(sub.email)}</strong>?</p>
<form method="post" action="/confirm/${req.params.token}"><button type="submit">Yes, send me alerts</button></form>`);
  });

  app.post<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
    const id = await s.confirmTokens.resolve(req.params.token);
    const before = id ? await s.subscribers.get(id) : null;
    const status = before ? await s.subscribers.confirm(before.id, req.ip, new Date()) : null;
    if (status !== 'active' || !before) return invalidLink(reply);
    if (before.status !== 'active') s.metrics.signups.inc({ outcome: 'confirmed' });
    return subscribedPage(reply, before.id, 'Subscribed', 'You are subscribed');
  });

  app.get<{ Params: { token: string } }>('/unsubscribe/:token', async (req, reply) => {
    const id = s.linkTokens.verify(req.params.token);
    if (!id) return invalidLink(reply);
    const sub = await s.subscribers.get(id);
    return show(reply, 200, 'Unsubscribe', html`<h1>Unsubscribe</h1>
<p>Stop ${listName} alerts${sub ? html` to <strong>${maskAddress(sub.email)}</strong>` : ''}?</p>
<form method="post" action="/unsubscribe/${req.params.token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
<p class="muted">Or <a href="/preferences/${req.params.token}">change your topics</a> instead.</p>`);
  });

  // RFC 8058 one-click: no cookie, no CSRF token, no redirect, idempotent.
  app.post<{ Params: { token: string } }>('/unsubscribe/:token', async (req, reply) => {
    const id = s.linkTokens.verify(req.params.token);
    if (!id) return invalidLink(reply);
    const oneClick = /List-Unsubscribe=One-Click/i.test(typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? {}))
      || (req.body as Record<string, unknown> | undefined)?.['List-Unsubscribe'] === 'One-Click';
    const before = await s.subscribers.leave(id, 'unsubscribed', {
      type: 'withdraw',
      at: new Date().toISOString(),
      channel: oneClick && !(req.headers.accept ?? '').includes('text/html') ? 'one-click' : 'unsubscribe-page',
    });
    if (before && before !== 'unsubscribed') s.metrics.unsubscribes.inc();
    return show(reply, 200, 'Unsubscribed', html`<h1>You are unsubscribed</h1><p>You will get no more ${listName} alerts. Changed your mind? <a href="/subscribe">Subscribe again</a>.</p>`);
  });

  app.get<{ Params: { token: string } }>('/preferences/:token', async (req, reply) => {
    const id = s.linkTokens.verify(req.params.token);
    const sub = id ? await s.subscribers.get(id) : null;
    if (!sub) return invalidLink(reply);
    return show(reply, 200, 'Preferences', preferencesForm(s, req.params.token, sub));
  });

  const prefsBody = z.object({
    action: z.enum(['save', 'unsubscribe']).default('save'),
    topics: z.preprocess((v) => (typeof v === 'string' ? [v] : v ?? []), z.array(z.enum(s.config.topics as [string, ...string[]])).max(100)),
    // Absent (an older form): the reader's cadence and zone stay as they are.
    cadence: z.enum(['instant', 'daily', 'per-topic']).optional(),
    dailyTopics: z.preprocess((v) => (typeof v === 'string' ? [v] : v ?? []), z.array(z.enum(s.config.topics as [string, ...string[]])).max(100)),
    timeZone: z
      .string()
      .max(64)
      .optional()
      .refine((v) => v === undefined || v === '' || canonicalTimeZone(v) !== null, 'must be an IANA time zone name, such as Europe/Paris'),
  });

  app.post<{ Params: { token: string } }>('/preferences/:token', async (req, reply) => {
    const id = s.linkTokens.verify(req.params.token);
    const sub = id ? await s.subscribers.get(id) : null;
    if (!sub) return invalidLink(reply);
    const parsed = prefsBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      return show(reply, 400, 'Preferences', html`<p class="error">${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}</p>${preferencesForm(s, req.params.token, sub)}`);
    }
    if (parsed.data.action === 'unsubscribe') {
      await s.subscribers.leave(sub.id, 'unsubscribed', { type: 'withdraw', at: new Date().toISOString(), channel: 'preferences' });
      s.metrics.unsubscribes.inc();
      return show(reply, 200, 'Unsubscribed', html`<h1>You are unsubscribed</h1><p>You will get no more ${listName} alerts.</p>`);
    }
    const topics = [...new Set(parsed.data.topics)];
    const cadence = chosenCadence(parsed.data.cadence, parsed.data.dailyTopics);
    const timeZone = parsed.data.timeZone ? (canonicalTimeZone(parsed.data.timeZone) ?? undefined) : undefined;
    await s.subscribers.setTopics(sub.id, topics, { ...(cadence ? { cadence } : {}), ...(timeZone ? { timeZone } : {}) });
    const how = cadence ? html` As ${describeCadence(cadence)}${timeZone ? `, in the ${timeZone} time zone` : ''}.` : '';
    return show(reply, 200, 'Preferences saved', html`<h1>Saved</h1><p>${topics.length ? `You will get briefs on: ${topics.join(', ')}.` : 'You will get every brief.'}${how}</p><p><a href="/preferences/${req.params.token}">Back to preferences</a></p>`);
  });
};

/** The form's cadence: everything instant, everything daily, or the ticked topics daily (none ticked: instant). */
function chosenCadence(choice: 'instant' | 'daily' | 'per-topic' | undefined, dailyTopics: string[]): CadenceSetting | undefined {
  if (choice !== 'per-topic') return choice;
  const map: Record<string, Cadence> = {};
  for (const t of dailyTopics) map[t] = 'daily';
  return map;
}

let zoneNames: string[] | undefined;
const allZones = () => (zoneNames ??= Intl.supportedValuesOf('timeZone'));

function preferencesForm(s: ApiServices, token: string, sub: Subscriber): Html {
  const current = sub.topics;
  const status = sub.status;
  const cadence = sub.cadence ?? 'instant';
  const choice = typeof cadence === 'string' ? cadence : 'per-topic';
  const daily = (t: string) => (typeof cadence === 'string' ? cadence === 'daily' : cadence[t] === 'daily');
  const zone = sub.timeZone ?? s.config.cadence.defaultTimeZone;
  const zones = allZones().includes(zone) ? allZones() : [zone, ...allZones()];
  const radio = (value: string, label: string) =>
    html`<label><input type="radio" name="cadence" value="${value}" id="cadence-${value}"${choice === value ? html` checked` : ''}> ${label}</label>`;
  return html`<h1>Your ${s.config.mail.listName} preferences</h1>
${status !== 'active' ? html`<p class="muted">This address is currently <strong>${status}</strong>: no alerts are sent to it.</p>` : ''}
<form method="post" action="/preferences/${token}">
<fieldset><legend>Topics <span class="muted">(none ticked: every brief)</span></legend>
${s.config.topics.map((t) => html`<label><input type="checkbox" name="topics" value="${t}" ${current.includes(t) ? html`checked` : ''}> ${t}</label>`)}
</fieldset>
<fieldset><legend>How often</legend>
${radio('instant', 'Each alert as it is published')}
${radio('daily', `One daily digest, at ${String(s.config.cadence.digestHour).padStart(2, '0')}:00 your time`)}
${radio('per-topic', 'A daily digest for the topics ticked here, the others as they are published:')}
${s.config.topics.map((t) => html`<label><input type="checkbox" name="dailyTopics" value="${t}" ${choice === 'per-topic' && daily(t) ? html`checked` : ''}> ${t} in the digest</label>`)}
</fieldset>
<label for="timeZone">Your time zone</label>
<select id="timeZone" name="timeZone">${zones.map((z) => html`<option value="${z}"${z === zone ? html` selected` : ''}>${z}</option>`)}</select>
<button type="submit" name="action" value="save">Save preferences</button>
<button type="submit" name="action" value="unsubscribe" class="secondary">Unsubscribe from all</button>
</form>`;
}

export default subscriptionRoutes;
