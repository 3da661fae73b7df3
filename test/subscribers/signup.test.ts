import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { SIGNUP_LIMIT_PER_IP: '1000' } });
});
afterAll(async () => h?.close());

const confirmLinkIn = (text: string) => /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(text)?.[1];

describe('double opt-in', () => {
  it('JSON signup -> confirmation email -> link confirms -> active; a reused link gets the generic 400', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'Reader@Bücher.de', topics: ['Ukraine'], name: 'Rea Der' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'pending' });
    await h.smtp.waitFor(() => h.smtp.to('Reader@xn--bcher-kva.de').length === 1);
    const mail = h.smtp.to('Reader@xn--bcher-kva.de')[0]!;
    expect(mail.parsed.from?.value[0]?.address).toBe('confirm@briefwire.localhost');
    const link = confirmLinkIn(mail.parsed.text ?? '');
    expect(link).toBeDefined();
    expect(mail.parsed.html).toContain(link);

    const sub = await h.services.subscribers.findByEmail('Reader@xn--bcher-kva.de');
    expect(sub?.status).toBe('pending');
    expect(sub?.topics).toEqual(['Ukraine']);

    // Opening the link (as a mail scanner does) only shows the button.
    const opened = await h.app.inject({ method: 'GET', url: link! });
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain(`<form method="post" action="${link}">`);
    expect((await h.services.subscribers.get(sub!.id))?.status).toBe('pending');

    const ok = await h.app.inject({ method: 'POST', url: link! });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('You are subscribed');
    expect((await h.services.subscribers.get(sub!.id))?.status).toBe('active');

    // The link keeps working until it expires: opened again, it says so.
    const again = await h.app.inject({ method: 'GET', url: link! });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('You are confirmed');
    expect((await h.app.inject({ method: 'POST', url: link! })).statusCode).toBe(200);
    expect((await h.services.subscribers.get(sub!.id))?.status).toBe('active');

    const log = await h.services.subscribers.consentLog(sub!.id);
    expect(log.map((e) => e.type)).toEqual(['signup', 'confirm']);
    expect(log[0]).toMatchObject({ source: 'api', consentVersion: h.config.consent.version });
  });

  it('the IDN and punycode spellings are one subscriber', async () => {
    await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'same@xn--bcher-kva.de' } });
    await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'same@BÜCHER.de' } });
    const a = await h.services.subscribers.findByEmail('same@xn--bcher-kva.de');
    expect(a).not.toBeNull();
    const page = await h.services.subscribers.list({ query: 'same@', limit: 10 });
    expect(page.items).toHaveLength(1);
  });

  it('an HTML form post gets the check-your-inbox page and a confirmation', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/subscribe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=form%40example.org&topics=Russia&topics=Ukraine&website=',
    });
    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Check your inbox');
    await h.smtp.waitFor(() => h.smtp.to('form@example.org').length === 1);
    expect((await h.services.subscribers.findByEmail('form@example.org'))?.topics).toEqual(['Russia', 'Ukraine']);
  });

  it('an expired confirmation token gets the generic 400', async () => {
    await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'expire@example.org' } });
    await h.smtp.waitFor(() => h.smtp.to('expire@example.org').length === 1);
    const link = confirmLinkIn(h.smtp.to('expire@example.org')[0]!.parsed.text ?? '')!;
    // Expire every confirmation token of this test's keyspace now.
    const keys = await h.services.redis.keys(`${h.prefix}:confirm:*`);
    for (const k of keys) await h.services.redis.pexpire(k, 1);
    await new Promise((r) => setTimeout(r, 20));
    const res = await h.app.inject({ method: 'GET', url: link });
    expect(res.statusCode).toBe(400);
    expect((await h.services.subscribers.findByEmail('expire@example.org'))?.status).toBe('pending');
  });

  it('tampered, truncated and oversized tokens all get the same 400 page', async () => {
    const bodies = new Set<string>();
    for (const url of ['/confirm/abc', `/confirm/${'A'.repeat(43)}`, `/confirm/${'x'.repeat(190)}`, '/unsubscribe/1.AAAAAAAAAAAAAAAAAAAAAA', '/unsubscribe/1', '/preferences/99.zzzzzzzzzzzzzzzzzzzzzz']) {
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(400);
      bodies.add(res.body);
    }
    expect(bodies.size).toBe(1);
    const huge = await h.app.inject({ method: 'GET', url: `/confirm/${'x'.repeat(10_000)}` });
    expect(huge.statusCode).toBeGreaterThanOrEqual(400);
    expect(huge.statusCode).toBeLessThan(500);
  });
});

describe('unsubscribe and preferences', () => {
  async function activeSubscriber(email: string) {
    const r = await h.services.subscribers.importRow({ email, name: '', topics: [], status: 'active', event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' } });
    return { id: r.id, token: h.services.linkTokens.sign(r.id) };
  }

  it('a GET on the unsubscribe link changes nothing; the RFC 8058 POST unsubscribes, idempotently, without a redirect', async () => {
    const { id, token } = await activeSubscriber('leaver@example.org');
    const get = await h.app.inject({ method: 'GET', url: `/unsubscribe/${token}` });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('<form method="post"');
    expect((await h.services.subscribers.get(id))?.status).toBe('active');

    for (let i = 0; i < 2; i++) {
      const post = await h.app.inject({
        method: 'POST',
        url: `/unsubscribe/${token}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(post.statusCode).toBe(200);
      expect(post.headers.location).toBeUndefined();
    }
    expect((await h.services.subscribers.get(id))?.status).toBe('unsubscribed');
    expect(await h.services.redis.zscore(h.services.keys.activeSubscribers, id)).toBeNull();
    const log = await h.services.subscribers.consentLog(id);
    expect(log.filter((e) => e.type === 'withdraw')).toHaveLength(1);
    expect(log.at(-1)).toMatchObject({ type: 'withdraw', channel: 'one-click' });
  });

  it('accepts the one-click body as multipart/form-data', async () => {
    const { id, token } = await activeSubscriber('multipart@example.org');
    const boundary = '----x';
    const res = await h.app.inject({
      method: 'POST',
      url: `/unsubscribe/${token}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`,
    });
    expect(res.statusCode).toBe(200);
    expect((await h.services.subscribers.get(id))?.status).toBe('unsubscribed');
  });

  it('preferences change topics, and "unsubscribe from all" unsubscribes', async () => {
    const { id, token } = await activeSubscriber('prefs@example.org');
    const page = await h.app.inject({ method: 'GET', url: `/preferences/${token}` });
    expect(page.statusCode).toBe(200);
    const save = await h.app.inject({
      method: 'POST',
      url: `/preferences/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'topics=Russia&topics=Conflict&action=save',
    });
    expect(save.statusCode).toBe(200);
    expect((await h.services.subscribers.get(id))?.topics).toEqual(['Russia', 'Conflict']);
    expect(await h.services.redis.hget(h.services.keys.activeTopics, id)).toBe('Russia|Conflict');
    const bad = await h.app.inject({ method: 'POST', url: `/preferences/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'topics=Nope' });
    expect(bad.statusCode).toBe(400);
    const all = await h.app.inject({ method: 'POST', url: `/preferences/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=unsubscribe' });
    expect(all.statusCode).toBe(200);
    expect((await h.services.subscribers.get(id))?.status).toBe('unsubscribed');
  });
});

describe('no enumeration, honeypot', () => {
  it('answers every address state with the same status and body; only pending addresses get mail', async () => {
    const states = ['new', 'pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
    const s = h.services.subscribers;
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
    await s.importRow({ email: 'st-pending@example.org', name: '', topics: [], status: 'pending', event: ev });
    await s.importRow({ email: 'st-active@example.org', name: '', topics: [], status: 'active', event: ev });
    for (const st of ['unsubscribed', 'bounced', 'complained'] as const) {
      const r = await s.importRow({ email: `st-${st}@example.org`, name: '', topics: [], status: 'active', event: ev });
      await s.leave(r.id, st, { type: 'withdraw', at: ev.at, channel: 'editor' });
    }
    const answers = new Set<string>();
    for (const st of states) {
      const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: `st-${st}@example.org` } });
      answers.add(`${res.statusCode} ${res.body}`);
    }
    expect([...answers]).toEqual(['202 {"status":"pending"}']);
    await h.smtp.waitFor(() => h.smtp.to('st-new@example.org').length === 1 && h.smtp.to('st-pending@example.org').length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.smtp.to('st-active@example.org')).toHaveLength(0);
    expect(h.smtp.to('st-complained@example.org')).toHaveLength(0);
  });

  it('a filled honeypot gets 202 and nothing is stored or sent', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'bot@example.org', website: 'http://spam' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'pending' });
    expect(await h.services.subscribers.findByEmail('bot@example.org')).toBeNull();
  });

  it('sends at most one confirmation per address per window', async () => {
    for (let i = 0; i < 3; i++) await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'again@example.org' } });
    await h.smtp.waitFor(() => h.smtp.to('again@example.org').length >= 1);
    await until(async () => (await h.services.queues.mail.getJobCounts('waiting', 'active')), (c) => c.waiting + c.active === 0, 10_000, 'mail queue to drain');
    expect(h.smtp.to('again@example.org')).toHaveLength(1);
  });

  it('serves the signup page with topics, consent text and the hidden honeypot', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/subscribe' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('This field is for validation purposes and should be left unchanged.');
    for (const t of h.config.topics) expect(res.body).toContain(`value="${t}"`);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
