/**
 * Renders the seed brief as a reader would get it and screenshots it in
 * Chromium at desktop (600 px) and phone (375 px) widths, plus a dark-mode
 * shot, into docs/screenshots/. Run: npx tsx scripts/screenshots.ts
 * With --ops it also takes the admin ops page during a real dispatch
 * (docs/screenshots/ops.png; needs Redis, --redis=URL, default 127.0.0.1:6379; about six minutes).
 * With --desk, the editor with its live preview and the dispatch list
 * (docs/screenshots/editor.png, dispatches.png; needs Redis as --ops does; seconds).
 *
 * Remote requests are blocked, so the remote image shows as its alt text, the
 * way many clients show it with images off.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { compileBrief } from '../src/briefs/compile.ts';
import { validateBrief } from '../src/briefs/model.ts';
import { parseMarkdownBrief } from '../src/briefs/markdown.ts';
import { personalize, prepareCompiled } from '../src/briefs/personalize.ts';
import { shootOpsPage } from './opsScreenshot.ts';
import { shootEditorDesk } from './deskScreenshots.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}docs/screenshots`;
const seedPath = `${root}examples/briefs/2024-05-30-us-green-light-strikes-inside-russia.md`;
const TOPICS = ['Conflict', 'Defense Technologies', 'Russia', 'Ukraine', 'United States and Canada'];
const PUBLIC_URL = 'http://localhost:3000';

async function main(): Promise<void> {
  const parsed = parseMarkdownBrief(readFileSync(seedPath, 'utf8'));
  if (!parsed.ok) throw new Error(`seed brief: ${JSON.stringify(parsed.errors)}`);
  const valid = validateBrief(parsed.value, TOPICS);
  if (!valid.ok) throw new Error(`seed brief: ${JSON.stringify(valid.errors)}`);

  const compiled = await compileBrief(valid.brief, {
    publicUrl: PUBLIC_URL,
    postalAddress: 'Atlantic Council, 1400 L Street NW, 11th Floor, Washington, DC 20005, USA',
  });
  const { html } = personalize(prepareCompiled(compiled), {
    email: 'reader@example.org',
    unsubscribeUrl: `${PUBLIC_URL}/unsubscribe/sample-token`,
    preferencesUrl: `${PUBLIC_URL}/preferences/sample-token`,
  });

  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const shots: { file: string; width: number; colorScheme: 'light' | 'dark' }[] = [
      { file: 'brief-600.png', width: 600, colorScheme: 'light' },
      { file: 'brief-375.png', width: 375, colorScheme: 'light' },
      { file: 'brief-600-dark.png', width: 600, colorScheme: 'dark' },
    ];
    for (const shot of shots) {
      const context = await browser.newContext({ viewport: { width: shot.width, height: 800 }, colorScheme: shot.colorScheme });
      const page = await context.newPage();
      await page.route('**/*', (route) => {
        const host = new URL(route.request().url()).hostname;
        return host === 'localhost' || host === '127.0.0.1' ? route.continue() : route.abort();
      });
      await page.setContent(html, { waitUntil: 'load' });
      await page.screenshot({ path: `${outDir}/${shot.file}`, fullPage: true });
      await context.close();
      console.log(`wrote docs/screenshots/${shot.file}`);
    }
    if (process.argv.includes('--ops')) {
      const redisUrl = process.argv.find((a) => a.startsWith('--redis='))?.slice('--redis='.length) ?? 'redis://127.0.0.1:6379';
      await shootOpsPage(browser, { seedPath, outFile: `${outDir}/ops.png`, redisUrl });
      console.log('wrote docs/screenshots/ops.png');
    }
    if (process.argv.includes('--desk')) {
      const redisUrl = process.argv.find((a) => a.startsWith('--redis='))?.slice('--redis='.length) ?? 'redis://127.0.0.1:6379';
      await shootEditorDesk(browser, { seed: readFileSync(seedPath, 'utf8'), outDir, redisUrl, topics: TOPICS, publicUrl: PUBLIC_URL });
    }
  } finally {
    await browser.close();
  }
  console.log(`html ${compiled.htmlBytes} bytes${compiled.warnings.length ? `; warnings: ${compiled.warnings.join('; ')}` : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
