import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInOnLoginPage } from '../support/browser.ts';
import { createHarness, type Harness, listenOnLoopback } from '../support/harness.ts';

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');

let h: Harness;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await createHarness({ workers: true, env: { SIGNUP_LIMIT_PER_IP: '1000' } });
  base = await listenOnLoopback(h);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Page errors and CSP violations fail the test: the admin pages must work under their own CSP. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // Bull Board asks Google for a web font; our CSP refuses it on purpose (no third-party requests).
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()) && !m.text().includes('fonts.googleapis.com')) errors.push(m.text());
  });
  return errors;
}

/**
 * Playwright's own scroll-then-click can land in one of the (out-of-process,
 * sandboxed) preview iframes when the target sits far below them; scrolling
 * first makes the click hit the button, as a person's would.
 */
async function clickBelowPreviews(page: Page, selector: string) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.click(selector);
}

describe('the editor in a real browser', () => {
  it('signs in, pastes the seed brief, previews it, sends a test, dispatches to 3 subscribers and watches the bar reach 100%, signs out', async () => {
    const context = await browser.newContext();
    // The brief's image lives on a remote site: no network in tests, so refuse it at once instead of waiting on DNS.
    await context.route((url) => url.origin !== base, (route) => route.abort());
    const page = await context.newPage();
    const errors = watchErrors(page);

    await page.goto(`${base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await signInOnLoginPage(page, `${base}/admin`);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'bw_admin')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

    await page.click('text=New brief from Markdown');
    await page.fill('#markdown', seed);
    await Promise.all([page.waitForURL(/\/admin\/briefs\/b\d+$/), page.click('#create-brief')]);
    expect(await page.textContent('#brief-title')).toContain('Why the US is giving Ukraine the green light');

    // Both previews render the email itself, at their widths.
    for (const [frame, width] of [['#preview-desktop', 600], ['#preview-mobile', 375]] as const) {
      const body = page.frameLocator(frame).locator('body');
      await body.getByText('Less than meets the eye').first().waitFor({ timeout: 15_000 });
      expect(await page.$eval(frame, (el) => (el as HTMLElement).clientWidth)).toBe(width);
    }
    expect(await page.textContent('#text-part')).toContain('The Kharkiv conundrum');

    await page.fill('#to', 'editor@example.org');
    await clickBelowPreviews(page, '#send-test');
    await page.waitForURL(/\?test=queued$/);
    await page.locator('#test-queued').waitFor();
    await h.smtp.waitFor(() => h.smtp.to('editor@example.org').length === 1);
    expect(h.smtp.to('editor@example.org')[0]!.parsed.subject).toContain('Why the US is giving Ukraine');

    const readers = ['one@example.org', 'two@example.org', 'three@example.org'];
    for (const email of readers) {
      await h.services.subscribers.importRow({
        email,
        name: '',
        topics: ['Ukraine'],
        status: 'active',
        event: { type: 'signup', at: new Date().toISOString(), ip: '127.0.0.1', userAgent: 'test', consentVersion: 'v1', source: 'import', consent: 'test' },
      });
    }

    await clickBelowPreviews(page, '#check-audience');
    await page.waitForURL(/\/dispatch\?/);
    expect(await page.textContent('#audience-count')).toBe('3');
    await Promise.all([page.waitForURL(/\/admin\/dispatches\/[^/]+$/), page.click('#confirm-dispatch')]);
    await page.waitForFunction(() => document.getElementById('percent')?.textContent === '100%', null, { timeout: 30_000 });
    expect(await page.getAttribute('#bar', 'value')).toBe('100');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done', null, { timeout: 15_000 });
    expect(await page.textContent('#count-sent')).toBe('3');
    expect(await page.isDisabled('#action-pause')).toBe(true);
    for (const email of readers) expect(h.smtp.to(email)).toHaveLength(1);

    // The briefs list shows the dispatch status.
    await page.click('nav >> text=Briefs');
    expect(await page.textContent('#briefs')).toContain('done');

    // The queue dashboard renders under its own CSP, listing every queue.
    await page.goto(`${base}/admin/queues`);
    for (const q of h.services.queues.all()) await page.getByText(q.name, { exact: true }).first().waitFor({ timeout: 20_000 });
    await page.goto(`${base}/admin`);

    await Promise.all([page.waitForURL(/\/admin\/login/), page.click('#sign-out')]);
    await page.goto(`${base}/admin/subscribers`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(errors).toEqual([]);
    await context.close();
  }, 90_000);

  it('the public signup form, filled in a browser with the honeypot untouched, sends a confirmation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${base}/subscribe`);
    await page.fill('#email', 'browser-reader@example.org');
    await page.check('input[name=topics][value=Ukraine]');
    expect(await page.inputValue('#website')).toBe('');
    expect(await page.isVisible('#email')).toBe(true);
    await page.click('button[type=submit]');
    await page.getByText('Check your inbox').first().waitFor();
    await h.smtp.waitFor(() => h.smtp.to('browser-reader@example.org').length === 1);
    expect(h.smtp.to('browser-reader@example.org')[0]!.parsed.text).toMatch(/\/confirm\/[A-Za-z0-9_-]{43}/);
    expect((await h.services.subscribers.findByEmail('browser-reader@example.org'))?.topics).toEqual(['Ukraine']);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
