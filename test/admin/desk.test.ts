import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, signInOnLoginPage } from '../support/browser.ts';
import { createHarness, type Harness, listenOnLoopback } from '../support/harness.ts';
import { addSubscribers } from '../dispatch/support.ts';

/**
 * The editor's desk in real Chromium (issue 18): write with a live preview,
 * save and fix a typo, send a test, schedule and cancel from the dispatch
 * list, send and pause/resume behind confirmations, and find a sent brief
 * refusing edits, then correct it.
 */

const seed = readFileSync(new URL('../fixtures/seed-brief.md', import.meta.url), 'utf8');

let h: Harness;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let base: string;
const errors: string[] = [];

beforeAll(async () => {
  // A capped send rate, so a send of 60 lasts long enough to pause it.
  h = await createHarness({ workers: true, env: { SEND_RATE: '15', DISPATCH_BATCH_SIZE: '20' } });
  base = await listenOnLoopback(h);
  browser = await launchChromium();
  // The editor's zone is not the server's: times must be the browser's.
  context = await browser.newContext({ timezoneId: 'America/New_York', viewport: { width: 1600, height: 1000 } });
  await context.route((url) => url.origin !== base, (route) => route.abort());
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${base}/admin/login`);
  await signInOnLoginPage(page, `${base}/admin`);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

const frameText = (selector: string) => page.frameLocator(selector).locator('body');
/** Confirms the dialog the desk script opens before a control, after checking what it says. */
async function confirm(says: RegExp) {
  await page.locator('#confirm-dialog[open]').waitFor();
  expect(await page.textContent('#confirm-message')).toMatch(says);
  await page.click('#confirm-yes');
}
async function scrollClick(selector: string) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  await page.click(selector);
}

describe('the editor\'s desk in a real browser', () => {
  let briefId = '';

  it('writes from the template and sees the preview change without saving; errors show at their lines', async () => {
    const before = (await h.services.briefs.list({ limit: 200 })).length;
    await page.click('nav >> text=New brief');
    const template = await page.inputValue('#markdown');
    expect(template).toMatch(/^---\ntitle: .*\nseries: "Fast Thinking"\npublishedAt: \d{4}-\d{2}-\d{2}\n[\s\S]*experts:[\s\S]*image:[\s\S]*credit:[\s\S]*---\n\n[\s\S]*\n## [\s\S]*\n## /);
    await frameText('#live-desktop').getByText('Headline: what happened').first().waitFor();

    await page.fill('#markdown', seed.replace('publishedAt: 2024-05-30', 'publishedAt: 2024-13-01'));
    await page.locator('#error-list li[data-line="4"]').waitFor();
    expect(await page.textContent('#error-list')).toContain('line 4 publishedAt: must be a real date');
    expect(await page.getAttribute('#gutter .ln[data-line="4"]', 'class')).toContain('err');
    await page.click('#error-list a.jump');
    expect(await page.evaluate(() => { const t = document.getElementById('markdown') as HTMLTextAreaElement; return t.value.slice(t.selectionStart, t.selectionEnd); })).toBe('publishedAt: 2024-13-01');

    await page.fill('#markdown', seed.replace('Less than meets the eye', 'Less than meets teh eye'));
    for (const frame of ['#live-desktop', '#live-mobile']) await frameText(frame).getByText('Less than meets teh eye').first().waitFor();
    expect(await page.textContent('#live-text')).toContain('Less than meets teh eye');
    expect(await page.locator('#error-list').count()).toBe(0);
    expect(await page.$eval('#live-mobile', (el) => (el as HTMLElement).clientWidth)).toBe(375);
    // Nothing was saved by previewing.
    expect((await h.services.briefs.list({ limit: 200 })).length).toBe(before);

    await Promise.all([page.waitForURL(/\/admin\/briefs\/b\d+$/), page.click('#create-brief')]);
    briefId = /\/admin\/briefs\/(b\d+)$/.exec(page.url())![1]!;
    expect(await page.textContent('#brief-version')).toBe('1');
  }, 60_000);

  it('fixes the typo in the saved brief and sees the new version; the history says who and what', async () => {
    await page.click('#edit-brief');
    await page.waitForURL(`${base}/admin/briefs/${briefId}/edit`);
    const text = await page.inputValue('#markdown');
    expect(text).toContain('## Less than meets teh eye');
    await page.fill('#markdown', text.replace('teh eye', 'the eye'));
    await frameText('#live-desktop').getByText('Less than meets the eye').first().waitFor();
    await Promise.all([page.waitForURL(`${base}/admin/briefs/${briefId}?saved=2`), page.click('#save-brief')]);
    expect(await page.textContent('#saved')).toContain('version 2');
    expect(await page.textContent('#brief-version')).toBe('2');
    await frameText('#preview-desktop').getByText('Less than meets the eye').first().waitFor();
    expect(await page.textContent('#text-part')).not.toContain('teh eye');
    const rows = await page.locator('#history tr.history-entry').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(/dev editor|editor 1/);
    expect(rows[1]).toContain('changed sections (version 2)');
  }, 60_000);

  it('sends a test copy', async () => {
    await page.fill('#to', 'desk-editor@example.org');
    await scrollClick('#send-test');
    await page.waitForURL(/\?test=queued$/);
    await h.smtp.waitFor(() => h.smtp.to('desk-editor@example.org').length === 1);
    expect(h.smtp.to('desk-editor@example.org')[0]!.parsed.subject).toContain('Why the US is giving Ukraine');
  }, 60_000);

  it('schedules a send in the editor\'s own time zone, sees it in the dispatch list, and cancels it there', async () => {
    await addSubscribers(h, 60, () => ['Ukraine'], 'desk.example.org');
    await page.goto(`${base}/admin/briefs/${briefId}`);
    expect(await page.textContent('[data-zone-name]')).toBe('America/New_York');
    // The next 15 January (always within the year ahead): New York is on EST then, UTC-5.
    const now = new Date();
    const year = now.getUTCMonth() === 0 && now.getUTCDate() < 14 ? now.getUTCFullYear() : now.getUTCFullYear() + 1;
    await page.fill('#at-local', `${year}-01-15T09:30`);
    await scrollClick('#schedule-dispatch');
    await page.waitForURL(/\/schedule\?/);
    // 09:30 in New York is 14:30 UTC.
    expect(await page.getAttribute('#scheduled-at', 'datetime')).toBe(`${year}-01-15T14:30:00.000Z`);
    expect(await page.textContent('#scheduled-at')).toMatch(/09:30.*America\/New_York/);
    expect(await page.textContent('#audience-count')).toBe('60');
    await Promise.all([page.waitForURL(/\/admin\/dispatches\/d\d+$/), page.click('#confirm-schedule')]);
    const dispatchId = /\/admin\/dispatches\/(d\d+)$/.exec(page.url())![1]!;
    expect(await page.textContent('#status')).toBe('scheduled');
    expect((await h.services.dispatches.get(dispatchId))?.scheduledAt).toBe(`${year}-01-15T14:30:00.000Z`);

    await page.click('nav >> text=Dispatches');
    const row = page.locator(`#scheduled-dispatches tr[data-dispatch-id="${dispatchId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toMatch(/09:30/);
    await page.click(`#cancel-${dispatchId}`);
    // Back first: nothing happens.
    await page.locator('#confirm-dialog[open]').waitFor();
    await page.click('#confirm-no');
    expect((await h.services.dispatches.get(dispatchId))?.status).toBe('scheduled');
    await page.click(`#cancel-${dispatchId}`);
    await Promise.all([page.waitForURL(`${base}/admin/dispatches/${dispatchId}`), confirm(/Cancel dispatch d\d+\?/)]);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'cancelled');
    await page.click('nav >> text=Dispatches');
    expect(await page.locator(`#recent-dispatches tr[data-dispatch-id="${dispatchId}"]`).textContent()).toContain('cancelled');
    expect(await page.locator('#no-scheduled').count()).toBe(1);
  }, 60_000);

  it('sends, watches progress, pauses and resumes behind confirmations', async () => {
    await page.goto(`${base}/admin/briefs/${briefId}`);
    await scrollClick('#check-audience');
    await page.waitForURL(/\/dispatch\?/);
    // The dispatch layer counts the cancelled scheduled one as a dispatch: sending needs the explicit "send again" tick.
    await page.click('#confirm-dispatch');
    await page.locator('#already-dispatched').waitFor();
    await page.check('input[name=force]');
    await Promise.all([page.waitForURL(/\/admin\/dispatches\/d\d+$/), page.click('#confirm-dispatch')]);
    const dispatchId = /\/admin\/dispatches\/(d\d+)$/.exec(page.url())![1]!;
    await page.waitForFunction(() => Number(document.getElementById('count-sent')?.textContent) > 0, null, { timeout: 20_000 });
    await page.click('#action-pause');
    await confirm(/Pause dispatch/);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'paused', null, { timeout: 20_000 });
    const pausedAt = (await h.services.dispatches.get(dispatchId))!.sent;
    expect(pausedAt).toBeLessThan(60);
    await page.click('#action-resume');
    await confirm(/Resume dispatch/);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done', null, { timeout: 30_000 });
    expect(await page.textContent('#count-sent')).toBe('60');
    expect(h.smtp.received.filter((m) => m.to.some((t) => t.endsWith('@desk.example.org')))).toHaveLength(60);
  }, 90_000);

  it('a sent brief refuses edits; "Send a correction" makes a new draft from it', async () => {
    await page.goto(`${base}/admin/briefs/${briefId}`);
    expect(await page.textContent('#brief-state')).toBe('sent');
    expect(await page.locator('#edit-brief').count()).toBe(0);
    expect(await page.locator('#delete-brief').count()).toBe(0);
    await page.goto(`${base}/admin/briefs/${briefId}/edit`);
    await page.waitForURL(`${base}/admin/briefs/${briefId}?refused=BRIEF_SENT`);
    expect(await page.textContent('#brief-refused')).toContain('can no longer change');
    const put = await h.app.inject({ method: 'PUT', url: `/api/briefs/${briefId}`, headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: seed });
    expect(put.json().error.code).toBe('BRIEF_SENT');

    await Promise.all([page.waitForURL(/\/admin\/briefs\/b\d+\/edit$/), page.click('#correct-brief')]);
    const correctionId = /\/admin\/briefs\/(b\d+)\/edit$/.exec(page.url())![1]!;
    expect(correctionId).not.toBe(briefId);
    const text = await page.inputValue('#markdown');
    expect(text).toMatch(/^---\ntitle: "?Correction: Why the US/);
    await page.fill('#markdown', text.replace(/^title: .*$/m, 'title: "Correction: Why the US is giving Ukraine the green light (corrected)"').replace(/^slug: .*\n/m, ''));
    await frameText('#live-desktop').getByText('(corrected)').first().waitFor();
    await Promise.all([page.waitForURL(`${base}/admin/briefs/${correctionId}?saved=2`), page.click('#save-brief')]);
    expect(await page.textContent('#brief-title')).toContain('(corrected)');
    expect(await page.textContent('#brief-state')).toBe('draft');
    expect(await page.textContent('#history')).toContain(`created as a correction of ${briefId}`);
    // The sent one can be archived (behind a confirmation) and says where its correction is.
    await page.goto(`${base}/admin/briefs/${briefId}`);
    expect(await page.textContent('#history')).toContain(`correction drafted: ${correctionId}`);
    await page.click('#archive-brief');
    await Promise.all([page.waitForURL(`${base}/admin/briefs/${briefId}?archived=1`), confirm(/Archive this sent brief/)]);
    await page.goto(`${base}/admin`);
    expect(await page.locator(`#briefs tr[data-brief-id="${briefId}"]`).count()).toBe(0);
    expect(await page.locator(`#briefs tr[data-brief-id="${correctionId}"]`).count()).toBe(1);
    expect(errors).toEqual([]);
  }, 60_000);
});
