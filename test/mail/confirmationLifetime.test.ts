import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeLinkLifetime, loadConfirmationEmail } from '../../src/subscribers/confirmationEmail.ts';
import { DEFAULT_TEMPLATES_DIR as TEMPLATES_DIR } from '../../src/briefs/templates.ts';
import { createHarness, type Harness } from '../support/harness.ts';

/** The confirmation email states how long its link works: CONFIRM_TOKEN_TTL, whatever it is set to. */

describe('the link lifetime in words', () => {
  it('uses the largest unit that divides it, and never rounds up', () => {
    expect(describeLinkLifetime(7 * 24 * 3600)).toBe('7 days');
    expect(describeLinkLifetime(24 * 3600)).toBe('1 day');
    expect(describeLinkLifetime(2 * 3600)).toBe('2 hours');
    expect(describeLinkLifetime(36 * 3600)).toBe('36 hours');
    expect(describeLinkLifetime(30 * 60)).toBe('30 minutes');
    expect(describeLinkLifetime(90 * 60)).toBe('90 minutes');
    expect(describeLinkLifetime(60)).toBe('1 minute');
    // 27 h 46 min 40 s: "1 day" would undersell it by far, "28 hours" would promise too much.
    expect(describeLinkLifetime(100_000)).toBe('27 hours');
  });

  it('goes into both parts of the email', async () => {
    const email = await loadConfirmationEmail({ templatesDir: TEMPLATES_DIR, listName: 'Fast Thinking', postalAddress: '1 Example Street', tokenTtlSec: 2 * 3600 });
    const { html, text } = email.render('https://news.example.org/confirm/AbC');
    expect(html).toContain('The link works for 2 hours.');
    expect(text).toContain('(it works for 2 hours)');
    expect(html + text).not.toContain('7 days');
  });
});

describe('a signup with CONFIRM_TOKEN_TTL=3600', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ workers: true, env: { CONFIRM_TOKEN_TTL: '3600' } });
  });
  afterAll(async () => h?.close());

  it('gets a confirmation that says the link works for 1 hour', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'short-ttl@example.org' } });
    expect(res.statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.to('short-ttl@example.org').length === 1);
    const { parsed } = h.smtp.to('short-ttl@example.org')[0]!;
    expect(parsed.html).toContain('The link works for 1 hour.');
    expect(parsed.text).toContain('(it works for 1 hour)');
  });
});
