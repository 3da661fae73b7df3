import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, signInOnLoginPage } from '../support/browser.ts';
import { createHarness, EDITOR_TOKEN, type Harness, listenOnLoopback } from '../support/harness.ts';

/** Swagger UI in a real Chromium: the operations render, from files served here, under the page's CSP. */


let h: Harness;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await createHarness();
  base = await listenOnLoopback(h);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

/** Page errors, CSP violations, failed requests, and any request that leaves this origin (no CDN). */
function watch(page: Page) {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Not every console error: the browser's own /favicon.ico probe of the sign-in page 404s, and is no request of the page's.
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  return { errors, foreign };
}

async function expectOperations(page: Page) {
  await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
  const ops = await page.locator('.opblock-summary').allInnerTexts();
  const text = ops.map((t) => t.replace(/\s+/g, ' '));
  expect(text.length).toBeGreaterThan(25);
  expect(text.some((t) => /POST\s*\/api\/briefs\/\{id\}\/dispatches/.test(t))).toBe(true);
  expect(text.some((t) => /GET\s*\/api\/dispatches\/\{id\}/.test(t))).toBe(true);
}

describe('the API docs page in Chromium', () => {
  it('/api/docs with the editor token renders every operation, no CSP violation, nothing from another origin', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${EDITOR_TOKEN}` } });
    const page = await context.newPage();
    const seen = watch(page);
    const res = await page.goto(`${base}/api/docs`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    await expectOperations(page);
    // Open one: its parameters and responses come from the route's schema.
    await page.locator('#operations-dispatches-postApiBriefsIdDispatches .opblock-summary').click();
    await page.locator('#operations-dispatches-postApiBriefsIdDispatches .responses-table').waitFor();
    expect(await page.locator('#operations-dispatches-postApiBriefsIdDispatches').innerText()).toContain('force: true');
    expect(seen.errors).toEqual([]);
    expect(seen.foreign).toEqual([]);
    await context.close();
  }, 60_000);

  it('/admin/api-docs shows the same to a signed-in editor', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(`${base}/admin/api-docs`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await signInOnLoginPage(page, `${base}/admin/api-docs`);
    await expectOperations(page);
    expect(seen.errors).toEqual([]);
    expect(seen.foreign).toEqual([]);
    await context.close();
  }, 60_000);
});
