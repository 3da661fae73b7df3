import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Security headers on every HTML page a reader or an editor can reach, and
 * no enumeration through the HTML form (the JSON answer is covered in
 * test/subscribers/signup.test.ts).
 */

let h: Harness;
let link: string;
beforeAll(async () => {
  h = await createHarness({ env: { SIGNUP_LIMIT_PER_IP: '100000' } });
  const r = await h.services.subscribers.importRow({ email: 'pages@example.org', name: '', topics: [], status: 'active', event: { type: 'confirm', at: new Date().toISOString(), ip: '127.0.0.1' } });
  link = h.services.linkTokens.sign(r.id);
});
afterAll(async () => h?.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('security headers on every HTML page', () => {
  it('CSP with frame-ancestors, nosniff, no-referrer on each page', async () => {
    const pages: [string, InjectOptions][] = [
      ['signup page', { method: 'GET', url: '/subscribe' }],
      ['check your inbox', { method: 'POST', url: '/subscribe', headers: form, payload: 'email=page-a%40example.org' }],
      ['signup form with errors', { method: 'POST', url: '/subscribe', headers: form, payload: 'email=nope' }],
      ['invalid confirm link', { method: 'GET', url: '/confirm/nope' }],
      ['unsubscribe page', { method: 'GET', url: `/unsubscribe/${link}` }],
      ['preferences page', { method: 'GET', url: `/preferences/${link}` }],
      ['preferences saved', { method: 'POST', url: `/preferences/${link}`, headers: form, payload: 'topics=Russia&action=save' }],
      ['unsubscribed', { method: 'POST', url: `/unsubscribe/${link}`, headers: form, payload: 'List-Unsubscribe=One-Click' }],
      ['not found page', { method: 'GET', url: '/no-such-page', headers: { accept: 'text/html' } }],
      ['admin sign-in', { method: 'GET', url: '/admin/login' }],
    ];
    for (const [what, req] of pages) {
      const res = await h.app.inject(req);
      expect(res.headers['content-type'], what).toMatch(/^text\/html/);
      const csp = String(res.headers['content-security-policy'] ?? '');
      expect(csp, what).toMatch(/frame-ancestors 'none'/);
      expect(csp, what).toMatch(/default-src 'none'|default-src 'self'/);
      expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-inline'/);
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
      expect(res.headers['referrer-policy'], what).toBe('no-referrer');
    }
  });
});

describe('no enumeration through the HTML form', () => {
  it('all six address states get byte-identical form answers', async () => {
    const s = h.services.subscribers;
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
    await s.importRow({ email: 'fst-pending@example.org', name: '', topics: [], status: 'pending', event: ev });
    await s.importRow({ email: 'fst-active@example.org', name: '', topics: [], status: 'active', event: ev });
    for (const st of ['unsubscribed', 'bounced', 'complained'] as const) {
      const r = await s.importRow({ email: `fst-${st}@example.org`, name: '', topics: [], status: 'active', event: ev });
      await s.leave(r.id, st, { type: 'withdraw', at: ev.at, channel: 'editor' });
    }
    const answers = new Set<string>();
    for (const st of ['new', 'pending', 'active', 'unsubscribed', 'bounced', 'complained']) {
      const res = await h.app.inject({ method: 'POST', url: '/subscribe', headers: form, payload: `email=fst-${st}%40example.org&topics=Russia` });
      const { date: _d, ...headers } = res.headers;
      answers.add(JSON.stringify([res.statusCode, headers, res.body]));
    }
    expect(answers.size).toBe(1);
    expect(JSON.parse([...answers][0]!)[0]).toBe(202);
  });
});
