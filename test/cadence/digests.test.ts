import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDITOR_TOKEN } from '../support/harness.ts';
import { createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { signIn } from '../admin/support.ts';
import { addReader, createCadenceHarness, digestNow, digestSends, digestsDone, digestsTo, runFinished, testClock, type CadenceHarness } from './support.ts';

/**
 * Daily digests through the real API, workers, Redis and SMTP: who waits for
 * the digest, what each digest holds (each brief once, none the reader got as
 * an alert), one digest send (one render, one prebuilt message) per distinct
 * set of briefs, the bulk headers and working links, and a second run that
 * finds nothing new.
 */

let h: CadenceHarness;
const clock = testClock();
const ids: Record<string, string> = {};
const briefs: { id: string; slug: string; title: string; dispatchId: string }[] = [];

beforeAll(async () => {
  h = await createCadenceHarness({ clock, env: { DISPATCH_BATCH_SIZE: '2' } });
  ids.a = await addReader(h, 'a@example.org', { topics: ['Russia', 'Ukraine'], cadence: 'daily' });
  ids.b = await addReader(h, 'b@example.org', { topics: ['Russia', 'Ukraine'], cadence: 'daily' });
  ids.c = await addReader(h, 'c@example.org', { topics: ['Russia'], cadence: 'daily' });
  // Russia in the digest, Ukraine as it comes.
  ids.d = await addReader(h, 'd@example.org', { topics: ['Russia', 'Ukraine'], cadence: { Russia: 'daily', Ukraine: 'instant' } });
  // No topic picked (every brief), all of it daily.
  ids.e = await addReader(h, 'e@example.org', { cadence: 'daily' });
  ids.f = await addReader(h, 'f@example.org', { topics: ['Russia'] });
  for (const [title, topics] of [
    ['Both topics', ['Russia', 'Ukraine']],
    ['Ukraine only', ['Ukraine']],
    ['Russia only', ['Russia']],
  ] as const) {
    const b = await createBrief(h, { title, topics: [...topics], intro: [`The first paragraph of “${title}”, with **bold** text.`, 'A second paragraph.'] });
    const res = await dispatch(h, b.id);
    expect(res.statusCode).toBe(202);
    const dispatchId = res.json().id as string;
    await waitForStatus(h, dispatchId, 'done');
    briefs.push({ ...b, title, dispatchId });
  }
});
afterAll(async () => h?.close());

describe('the alerts, before any digest', () => {
  it('go at once to instant readers only: a daily reader waits for the digest', () => {
    const subjects = (to: string) => h.smtp.to(to).map((m) => m.parsed.subject).sort();
    expect(subjects('f@example.org')).toEqual(['Both topics', 'Russia only']);
    // A brief that carries one of d's instant topics reaches d at once.
    expect(subjects('d@example.org')).toEqual(['Both topics', 'Ukraine only']);
    for (const daily of ['a', 'b', 'c', 'e']) expect(h.smtp.to(`${daily}@example.org`), daily).toHaveLength(0);
  });

  it('count the readers left to their digest apart from the dispatch total, which still reconciles', async () => {
    const first = await status(h, briefs[0]!.dispatchId);
    expect(first).toMatchObject({ status: 'done', total: 2, sent: 2, daily: 4, expired: 0, missing: 0, reconciled: true });
  });
});

describe('an editor’s digest run', () => {
  let run: Awaited<ReturnType<typeof digestNow>>;
  let sends: Record<string, any>[];
  beforeAll(async () => {
    run = await digestNow(h);
    sends = await digestsDone(h, run.id);
  });

  it('gives each daily reader one digest of the briefs they did not get, each brief once, newest first', () => {
    const titles = (to: string) => {
      const got = digestsTo(h, to);
      expect(got, to).toHaveLength(1);
      return [...got[0]!.parsed.text!.matchAll(/^(Both topics|Ukraine only|Russia only)$/gm)].map((m) => m[1]);
    };
    // "Both topics" carries two of a's topics and still appears once.
    expect(titles('a@example.org')).toEqual(['Russia only', 'Ukraine only', 'Both topics']);
    expect(titles('b@example.org')).toEqual(['Russia only', 'Ukraine only', 'Both topics']);
    expect(titles('c@example.org')).toEqual(['Russia only', 'Both topics']);
    // d got "Both topics" as an alert: never again in the digest.
    expect(titles('d@example.org')).toEqual(['Russia only']);
    expect(titles('e@example.org')).toEqual(['Russia only', 'Ukraine only', 'Both topics']);
    expect(digestsTo(h, 'f@example.org')).toHaveLength(0);
  });

  it('makes one digest send per distinct set of briefs: readers who share a set share one prebuilt message', () => {
    expect(run).toMatchObject({ readers: 5, sends: 3 });
    const bySet = new Map(sends.map((d) => [d.briefs.map((b: { title: string }) => b.title).join(' / '), d]));
    expect([...bySet.keys()].sort()).toEqual(['Russia only', 'Russia only / Both topics', 'Russia only / Ukraine only / Both topics']);
    expect(bySet.get('Russia only / Ukraine only / Both topics')).toMatchObject({ status: 'done', total: 3, sent: 3, failed: 0, suppressed: 0, uncertain: 0, expired: 0, reconciled: true });
    expect(bySet.get('Russia only')).toMatchObject({ total: 1, sent: 1, reconciled: true });
    // The Message-ID's last part is the prebuilt message's tag: one per message, so one per send.
    const tag = (to: string) => /\.([0-9a-f]{10})@/.exec(digestsTo(h, to)[0]!.parsed.messageId!)![1];
    expect(tag('a@example.org')).toBe(tag('b@example.org'));
    expect(tag('a@example.org')).toBe(tag('e@example.org'));
    expect(tag('a@example.org')).not.toBe(tag('c@example.org'));
    // With DISPATCH_BATCH_SIZE 2 the three readers of one set went in two batches.
    expect(bySet.get('Russia only / Ukraine only / Both topics')!.id).toMatch(/^d\d+$/);
  });

  it('is one MJML email with titles, first paragraphs and web links, and the bulk headers and working links', async () => {
    const mail = digestsTo(h, 'a@example.org')[0]!;
    expect(mail.parsed.subject).toBe('Fast Thinking digest: Russia only and 2 more');
    const html = mail.parsed.html as string;
    for (const b of briefs) {
      expect(html).toContain(`https://news.example.org/briefs/${b.slug}`);
      expect(html).toContain(`The first paragraph of “${b.title}”, with <strong>bold</strong> text.`);
      expect(mail.parsed.text).toContain(`Read the brief: https://news.example.org/briefs/${b.slug}`);
    }
    expect(html).not.toContain('A second paragraph.');
    const headers = mail.raw.split('\r\n\r\n')[0]!;
    expect(headers).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(headers).toMatch(/^List-Id: Fast Thinking <fast-thinking\.briefwire\.localhost>$/m);
    const unsub = /^List-Unsubscribe: <(https:\/\/news\.example\.org\/unsubscribe\/([^>]+))>$/m.exec(headers)!;
    expect(h.services.linkTokens.verify(unsub[2]!)).toBe(ids.a);
    expect(html).toContain(unsub[1]);
    expect(html).toContain(`https://news.example.org/preferences/${unsub[2]}`);
    // The web version the digest links to answers.
    expect((await h.app.inject({ method: 'GET', url: `/briefs/${briefs[0]!.slug}` })).statusCode).toBe(200);
    const res = await h.app.inject({ method: 'POST', url: new URL(unsub[1]!).pathname, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(res.statusCode).toBe(200);
    expect((await h.services.subscribers.get(ids.a!))?.status).toBe('unsubscribed');
  });

  it('a second run with nothing new sends nothing', async () => {
    const before = h.smtp.received.length;
    const again = await digestNow(h);
    expect(again).toMatchObject({ readers: 0, sends: 0 });
    expect(await digestSends(h, again.id)).toEqual([]);
    expect(h.smtp.received.length).toBe(before);
  });

  it('the next brief goes to the next digest alone', async () => {
    const b = await createBrief(h, { title: 'Later on', topics: ['Ukraine'] });
    await waitForStatus(h, (await dispatch(h, b.id)).json().id, 'done');
    const next = await digestNow(h);
    // a unsubscribed; b and e take Ukraine daily; c and d do not.
    expect(next).toMatchObject({ readers: 2, sends: 1 });
    await digestsDone(h, next.id);
    expect(digestsTo(h, 'b@example.org').map((m) => m.parsed.subject)).toEqual(['Fast Thinking digest: Russia only and 2 more', 'Fast Thinking digest: Later on']);
    expect(digestsTo(h, 'c@example.org')).toHaveLength(1);
  });
});

describe('the editors’ views', () => {
  it('/admin lists the digest sends, and its "send the digest now" queues a run', async () => {
    const { cookie, csrf } = await signIn(h);
    const page = await h.app.inject({ method: 'GET', url: '/admin/digests', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="run-digests"');
    expect(page.body).toContain('Russia only');
    const run = await h.app.inject({ method: 'POST', url: '/admin/digests/run', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(csrf)}` });
    expect(run.statusCode).toBe(303);
    const queued = /queued=(run-[0-9a-z-]+)/.exec(run.headers.location as string)![1]!;
    expect(await runFinished(h, queued)).toMatchObject({ readers: 0, sends: 0 });
  });

  it('the CLI runs a digest and lists the digest sends', async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const env = { ...process.env, BRIEFWIRE_URL: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`, BRIEFWIRE_TOKEN: EDITOR_TOKEN };
    const cli = (args: string[]) =>
      new Promise<{ code: number; stdout: string }>((resolve) =>
        execFile('node', ['bin/briefwire.js', ...args], { cwd: fileURLToPath(new URL('../..', import.meta.url)), env, timeout: 60_000 }, (err, stdout) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
        ),
      );
    const run = await cli(['digest', 'run']);
    expect(run.code).toBe(0);
    const runId = /^digest run (run-[0-9a-z-]+) queued$/m.exec(run.stdout)![1]!;
    expect(await runFinished(h, runId)).toMatchObject({ readers: 0 });
    const list = await cli(['digest', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^d\d+ +done +\S+ +readers 3, sent 3, failed 0, suppressed 0, uncertain 0 +Russia only \| Ukraine only \| Both topics$/m);
  }, 120_000);
});
