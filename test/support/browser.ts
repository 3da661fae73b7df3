import { chromium, type Browser, type Page } from 'playwright-core';
import { EDITOR_TOKEN } from './harness.ts';

/** Debian's Chromium, headless, with nothing of its own going to the network (the tests talk to loopback only). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** On /admin/login: signs in with the test editor token and waits until the page lands on `landing` (a URL). */
export async function signInOnLoginPage(page: Page, landing: string): Promise<void> {
  await page.fill('#token', EDITOR_TOKEN);
  await Promise.all([page.waitForURL(landing), page.click('button[type=submit]')]);
}
