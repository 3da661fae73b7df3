import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { maskAddress } from '../../subscribers/address.ts';
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
    return show(reply, 200, 'Preferences', preferencesForm(s, req.params.token, sub.topics, sub.status));
  });

  const prefsBody = z.object({
    action: z.enum(['save', 'unsubscribe']).default('save'),
    topics: z.preprocess((v) => (typeof v === 'string' ? [v] : v ?? []), z.array(z.enum(s.config.topics as [string, ...string[]])).max(100)),
  });

  app.post<{ Params: { token: string } }>('/preferences/:token', async (req, reply) => {
    const id = s.linkTokens.verify(req.params.token);
    const sub = id ? await s.subscribers.get(id) : null;
    if (!sub) return invalidLink(reply);
    const parsed = prefsBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      return show(reply, 400, 'Preferences', html`<p class="error">${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}</p>${preferencesForm(s, req.params.token, sub.topics, sub.status)}`);
    }
    if (parsed.data.action === 'unsubscribe') {
      await s.subscribers.leave(sub.id, 'unsubscribed', { type: 'withdraw', at: new Date().toISOString(), channel: 'preferences' });
      s.metrics.unsubscribes.inc();
      return show(reply, 200, 'Unsubscribed', html`<h1>You are unsubscribed</h1><p>You will get no more ${listName} alerts.</p>`);
    }
    const topics = [...new Set(parsed.data.topics)];
    await s.subscribers.setTopics(sub.id, topics);
    return show(reply, 200, 'Preferences saved', html`<h1>Saved</h1><p>${topics.length ? `You will get briefs on: ${topics.join(', ')}.` : 'You will get every brief.'}</p><p><a href="/preferences/${req.params.token}">Back to preferences</a></p>`);
  });
};

function preferencesForm(s: ApiServices, token: string, current: string[], status: string): Html {
  return html`<h1>Your ${s.config.mail.listName} preferences</h1>
${status !== 'active' ? html`<p class="muted">This address is currently <strong>${status}</strong>: no alerts are sent to it.</p>` : ''}
<form method="post" action="/preferences/${token}">
<fieldset><legend>Topics <span class="muted">(none ticked: every brief)</span></legend>
${s.config.topics.map((t) => html`<label><input type="checkbox" name="topics" value="${t}" ${current.includes(t) ? html`checked` : ''}> ${t}</label>`)}
</fieldset>
<button type="submit" name="action" value="save">Save topics</button>
<button type="submit" name="action" value="unsubscribe" class="secondary">Unsubscribe from all</button>
</form>`;
}

export default subscriptionRoutes;
