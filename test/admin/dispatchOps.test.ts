import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, until, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';
import { createWorkerRegistry } from '../../src/ops/workerRegistry.ts';
import { csrfFrom, signIn } from './support.ts';

const FORM = 'application/x-www-form-urlencoded';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const statusesOf = async (h: Harness, ids: string[]) => Promise.all(ids.map(async (id) => (await h.services.subscribers.get(id))?.status));

describe('/admin dispatch page: restore bounced readers', () => {
  it('a relay answering "no such user" to everyone bounces them; the page button (with CSRF) restores them, says how many, and retry-failed then reaches them', async () => {
    let refusing = true;
    h = await createHarness({ workers: true, smtp: { onRcpt: () => (refusing ? { code: 550, message: '5.1.1 No such user' } : undefined) } });
    const ids = await addSubscribers(h, 3, () => [], 'restore.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const done = await waitForStatus(h, id, 'done', 30_000);
    expect(done).toMatchObject({ total: 3, failed: 3, sent: 0 });
    expect(await statusesOf(h, ids)).toEqual(['bounced', 'bounced', 'bounced']);

    const a = await signIn(h);
    const page = await h.app.inject({ url: `/admin/dispatches/${id}`, headers: { cookie: a.cookie } });
    expect(page.statusCode).toBe(200);
    const restoreForm = new RegExp(`<form method="post" action="/admin/dispatches/${id}/restore-bounced" class="inline"><input type="hidden" name="_csrf" value="([^"]+)"><button type="submit" id="action-restore-bounced"[^>]*>Restore bounced readers</button>`).exec(page.body);
    expect(restoreForm?.[1]).toBe(a.csrf);
    expect(page.body).toContain('after a relay refused everyone');
    expect(page.body).toMatch(/Then resume the dispatch; once it is done, “Retry failed” resends to them/);
    expect(page.body).not.toContain('id="restored"');

    // Without the session's CSRF token nothing changes.
    const forged = await h.app.inject({ method: 'POST', url: `/admin/dispatches/${id}/restore-bounced`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({}) });
    expect(forged.statusCode).toBe(403);
    expect(await statusesOf(h, ids)).toEqual(['bounced', 'bounced', 'bounced']);

    const res = await h.app.inject({ method: 'POST', url: `/admin/dispatches/${id}/restore-bounced`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ _csrf: a.csrf }) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/dispatches/${id}?restored=3`);
    expect(await statusesOf(h, ids)).toEqual(['active', 'active', 'active']);
    const after = await h.app.inject({ url: res.headers.location as string, headers: { cookie: a.cookie } });
    expect(after.body).toMatch(/<p class="notice" id="restored">Restored 3 readers\.<\/p>/);

    // Nothing is left to restore the second time.
    const again = await h.app.inject({ method: 'POST', url: `/admin/dispatches/${id}/restore-bounced`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ _csrf: a.csrf }) });
    expect(again.headers.location).toBe(`/admin/dispatches/${id}?restored=0`);
    expect((await h.app.inject({ url: again.headers.location as string, headers: { cookie: a.cookie } })).body).toContain('Restored 0 readers.');

    // As the page says: once the relay is fixed, "Retry failed" resends to the restored readers.
    refusing = false;
    const retry = await h.app.inject({ method: 'POST', url: `/admin/dispatches/${id}/retry-failed`, headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ _csrf: a.csrf }) });
    expect(retry.statusCode).toBe(303);
    const resent = await waitForStatus(h, id, (d) => d.status === 'done' && d.sent === 3, 30_000);
    expect(resent).toMatchObject({ sent: 3, failed: 0 });
    for (let i = 0; i < 3; i++) expect(h.smtp.to(`user${i}@restore.example.org`)).toHaveLength(1);
    expect(await statusesOf(h, ids)).toEqual(['active', 'active', 'active']);
  }, 90_000);

  it('an unknown dispatch is a 404, not a restore', async () => {
    h = await createHarness();
    const a = await signIn(h);
    const res = await h.app.inject({ method: 'POST', url: '/admin/dispatches/no-such-dispatch/restore-bounced', headers: { cookie: a.cookie, 'content-type': FORM }, payload: form({ _csrf: a.csrf }) });
    expect(res.statusCode).toBe(404);
  });
});

/** A relay-controlled reply that would run script if it reached the page as markup. No "@": addresses are masked. */
const HOSTILE = `5.7.1 <script>alert(1)</script><img src=x onerror=alert(2)> "q" & 'a'`;
const HOSTILE_ESCAPED = '5.7.1 &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &quot;q&quot; &amp; &#39;a&#39;';

describe('/admin when the relay refuses the message with a hostile reply', () => {
  it('the dispatch page shows the pause reason with its code, escaped; the ops page lists the live worker with each lane, the phase and the reply, escaped', async () => {
    h = await createHarness({ workers: true, smtp: { onData: () => ({ code: 554, message: HOSTILE }) } });
    await addSubscribers(h, 2, () => [], 'hostile.example.org');
    const brief = await createBrief(h);
    const id = (await dispatch(h, brief.id)).json().id as string;
    const paused = await waitForStatus(h, id, 'paused', 30_000);
    expect(paused.reasonCode).toBe('SMTP_REFUSED');
    expect(paused.reason).toContain('<script>alert(1)</script>');

    const a = await signIn(h);
    const page = await h.app.inject({ url: `/admin/dispatches/${id}`, headers: { cookie: a.cookie } });
    expect(page.body).toContain('<span class="status" id="status">paused</span> <code id="reason-code">SMTP_REFUSED</code>');
    const reason = /<span id="reason" class="muted">([^<]*)<\/span>/.exec(page.body)?.[1];
    expect(reason).toContain('the relay refused the message');
    expect(reason).toContain(HOSTILE_ESCAPED);
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');

    // The worker's next heartbeat carries the error.
    const registry = createWorkerRegistry(h.services.redis, h.services.keys);
    const [worker] = await until(() => registry.live(), (ws) => ws.length === 1 && ws[0]!.smtp.bulk.lastError?.phase === 'message', 20_000, 'a heartbeat with the error');
    expect(worker!.smtp.bulk.lastError!.reply).toContain('<script>');

    const ops = await h.app.inject({ url: '/admin/ops', headers: { cookie: a.cookie } });
    expect(ops.statusCode).toBe(200);
    expect(ops.headers['content-security-policy']).toContain("script-src 'nonce-");
    expect(csrfFrom(ops.body)).toBe(a.csrf);
    expect(ops.body).toContain('<h2>Workers</h2>');
    expect(ops.body).not.toMatch(/no worker is running/i);
    const block = new RegExp(`<article class="worker" data-worker-id="${worker!.id}">([\\s\\S]*?)</article>`).exec(ops.body)?.[1] ?? '';
    expect(block).toContain(`<h3>${hostname()} <span class="muted">pid ${process.pid}</span></h3>`);
    expect(block).toContain(`last seen <time datetime="${worker!.seenAt}">`);
    const lane = (name: string) => new RegExp(`<tr class="lane" data-lane="${name}">([\\s\\S]*?)</tr>`).exec(block)?.[1] ?? '';
    const bulk = lane('bulk');
    const transactional = lane('transactional');
    expect(bulk).toContain(`<td class="relay">127.0.0.1:${h.smtp.port}</td>`);
    expect(transactional).toContain(`<td class="relay">127.0.0.1:${h.smtp.port}</td>`);
    expect(bulk).toContain('at <strong class="phase">message</strong>');
    expect(bulk).toContain('(refused)');
    expect(bulk).toContain(`<code class="reply">`);
    expect(bulk).toContain(HOSTILE_ESCAPED);
    // Nothing went through yet: neither lane has had a good connection, and the transactional lane no error either.
    expect(bulk).toMatch(/<td class="last-ok"><span class="muted">never<\/span><\/td>/);
    expect(transactional).toMatch(/<td class="last-error"><span class="muted">none<\/span><\/td>/);
    expect(ops.body).not.toContain('<script>alert');
    expect(ops.body).not.toContain('<img src=x');
    // The nav links to it.
    expect(ops.body).toContain('<a href="/admin/ops">Ops</a>');
  }, 60_000);
});

describe('/admin worker presence', () => {
  it('the ops page says no worker is running and the home page warns', async () => {
    h = await createHarness();
    const a = await signIn(h);
    const ops = await h.app.inject({ url: '/admin/ops', headers: { cookie: a.cookie } });
    expect(ops.statusCode).toBe(200);
    expect(ops.body).toMatch(/<p class="error" id="no-workers">No worker is running/);
    expect(ops.body).not.toContain('<article class="worker"');
    const home = await h.app.inject({ url: '/admin', headers: { cookie: a.cookie } });
    expect(home.body).toContain('id="no-workers-warning"');
  });

  it('with a worker running, the ops page lists exactly that one and the home page does not warn', async () => {
    h = await createHarness({ workers: true });
    const a = await signIn(h);
    const registry = createWorkerRegistry(h.services.redis, h.services.keys);
    await until(() => registry.live(), (ws) => ws.length === 1, 10_000, 'the worker heartbeat');
    expect((await h.app.inject({ url: '/admin', headers: { cookie: a.cookie } })).body).not.toContain('no-workers-warning');
    const ops = await h.app.inject({ url: '/admin/ops', headers: { cookie: a.cookie } });
    expect(ops.body.match(/<article class="worker"/g)).toHaveLength(1);
    expect(ops.body).toContain(`pid ${process.pid}`);
  });
});
