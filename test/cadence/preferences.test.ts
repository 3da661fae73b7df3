import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { createHarness, type Harness } from '../support/harness.ts';

/**
 * Where a reader chooses their cadence and time zone: the signup JSON and
 * form (the page fills the zone in from the browser), the preferences page,
 * and the CSV import and export; all through the API, with Redis behind it.
 */

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true, env: { SIGNUP_LIMIT_PER_IP: '1000' } });
});
afterAll(async () => h?.close());

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const find = (email: string) => h.services.subscribers.findByEmail(email);
const deliveryEntry = async (id: string) => h.services.redis.hget(h.services.keys.subscriberDelivery, id);
const isDaily = async (id: string) => (await h.services.redis.zscore(h.services.keys.dailySubscribers, id)) !== null;

async function confirm(email: string) {
  await h.smtp.waitFor(() => h.smtp.to(email).length >= 1);
  const link = /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(h.smtp.to(email).at(-1)!.parsed.text ?? '')![1]!;
  expect((await h.app.inject({ method: 'POST', url: link })).statusCode).toBe(200);
}

describe('signup', () => {
  it('takes "cadence" as a map from topic to instant or daily, and an IANA "timeZone"', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/subscribe',
      payload: { email: 'mixed@example.org', topics: ['Russia', 'Ukraine'], cadence: { Russia: 'daily', Ukraine: 'instant' }, timeZone: 'europe/paris' },
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ status: 'pending' });
    const pending = (await find('mixed@example.org'))!;
    expect(pending).toMatchObject({ status: 'pending', cadence: { Russia: 'daily' }, timeZone: 'Europe/Paris' });
    await confirm('mixed@example.org');
    const s = (await find('mixed@example.org'))!;
    expect(s.status).toBe('active');
    expect(await deliveryEntry(s.id)).toBe('Europe/Paris;daily:Russia');
    expect(await isDaily(s.id)).toBe(true);
    const listed = await h.app.inject({ method: 'GET', url: '/api/subscribers?q=mixed', headers: h.auth });
    expect(listed.json().items[0]).toMatchObject({ cadence: { Russia: 'daily' }, timeZone: 'Europe/Paris' });
  });

  it('defaults to instant in DIGEST_TIME_ZONE, with no index entry at all', async () => {
    expect((await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'plain@example.org' } })).statusCode).toBe(202);
    await confirm('plain@example.org');
    const s = (await find('plain@example.org'))!;
    expect(s.cadence).toBe('instant');
    expect(s.timeZone).toBeUndefined();
    expect(await deliveryEntry(s.id)).toBeNull();
    expect(await isDaily(s.id)).toBe(false);
  });

  it('refuses an unknown cadence, topic or zone, naming the field', async () => {
    for (const [payload, field] of [
      [{ cadence: 'weekly' }, 'cadence'],
      [{ cadence: { Nope: 'daily' } }, 'cadence'],
      [{ cadence: { Russia: 'hourly' } }, 'cadence'],
      [{ cadence: ['daily'] }, 'cadence'],
      [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
      [{ timeZone: 42 }, 'timeZone'],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'refused@example.org', ...payload } });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    }
    expect(await find('refused@example.org')).toBeNull();
  });

  it('the page offers the cadence and fills the time zone from the browser, by a script its CSP allows by nonce', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/subscribe' });
    expect(res.body).toContain('name="cadence" value="daily"');
    expect(res.body).toContain('<input type="hidden" id="timeZone" name="timeZone" value="">');
    const nonce = /<script nonce="([^"]+)">[^<]*Intl\.DateTimeFormat\(\)\.resolvedOptions\(\)\.timeZone/.exec(res.body)?.[1];
    expect(nonce).toBeDefined();
    expect(res.headers['content-security-policy']).toContain(`script-src 'nonce-${nonce}'`);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('a form post keeps the browser zone; one the server does not know falls back to the default, not an error', async () => {
    expect((await h.app.inject({ method: 'POST', url: '/subscribe', headers: form, payload: 'email=form%40example.org&cadence=daily&timeZone=America%2FNew_York' })).statusCode).toBe(202);
    expect(await find('form@example.org')).toMatchObject({ cadence: 'daily', timeZone: 'America/New_York' });
    expect((await h.app.inject({ method: 'POST', url: '/subscribe', headers: form, payload: 'email=oddzone%40example.org&timeZone=Nowhere%2FAtAll' })).statusCode).toBe(202);
    const odd = (await find('oddzone@example.org'))!;
    expect(odd.timeZone).toBeUndefined();
  });

  it('a reader who left and signs up again gets the cadence they ask for once they confirm', async () => {
    const ev = { type: 'confirm' as const, at: new Date().toISOString(), ip: '127.0.0.1' };
    const { id } = await h.services.subscribers.importRow({ email: 'rejoin@example.org', name: '', topics: [], status: 'active', event: ev });
    await h.services.subscribers.leave(id, 'unsubscribed', { type: 'withdraw', at: ev.at, channel: 'editor' });
    expect((await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'rejoin@example.org', cadence: 'daily', timeZone: 'Asia/Tokyo' } })).statusCode).toBe(202);
    // Only the click applies it.
    expect((await find('rejoin@example.org'))!).toMatchObject({ status: 'unsubscribed', cadence: 'instant' });
    await confirm('rejoin@example.org');
    expect(await find('rejoin@example.org')).toMatchObject({ status: 'active', cadence: 'daily', timeZone: 'Asia/Tokyo' });
    expect(await isDaily(id)).toBe(true);
  });
});

describe('the preferences page', () => {
  it('shows the cadence and zone, and saves a per-topic digest and a new zone', async () => {
    const s = (await find('mixed@example.org'))!;
    const url = `/preferences/${h.services.linkTokens.sign(s.id)}`;
    const page = await h.app.inject({ method: 'GET', url });
    expect(page.body).toMatch(/value="per-topic" id="cadence-per-topic" checked/);
    expect(page.body).toMatch(/name="dailyTopics" value="Russia" checked/);
    expect(page.body).toContain('<option value="Europe/Paris" selected>');
    const saved = await h.app.inject({ method: 'POST', url, headers: form, payload: 'topics=Russia&topics=Ukraine&cadence=per-topic&dailyTopics=Ukraine&timeZone=Asia%2FTokyo&action=save' });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('a daily digest for Ukraine');
    expect(await find('mixed@example.org')).toMatchObject({ topics: ['Russia', 'Ukraine'], cadence: { Ukraine: 'daily' }, timeZone: 'Asia/Tokyo' });
    expect(await deliveryEntry(s.id)).toBe('Asia/Tokyo;daily:Ukraine');
    // Back to every alert as it comes: out of the daily index, the zone kept.
    await h.app.inject({ method: 'POST', url, headers: form, payload: 'topics=Russia&cadence=instant&timeZone=Asia%2FTokyo&action=save' });
    expect(await find('mixed@example.org')).toMatchObject({ cadence: 'instant', timeZone: 'Asia/Tokyo' });
    expect(await isDaily(s.id)).toBe(false);
    expect(await deliveryEntry(s.id)).toBe('Asia/Tokyo;instant');
  });

  it('refuses a zone it does not know, and a form without the cadence fields keeps them', async () => {
    const s = (await find('mixed@example.org'))!;
    const url = `/preferences/${h.services.linkTokens.sign(s.id)}`;
    const bad = await h.app.inject({ method: 'POST', url, headers: form, payload: 'topics=Russia&cadence=daily&timeZone=Atlantis&action=save' });
    expect(bad.statusCode).toBe(400);
    expect((await find('mixed@example.org'))!.cadence).toBe('instant');
    await h.app.inject({ method: 'POST', url, headers: form, payload: 'topics=Ukraine&action=save' });
    expect(await find('mixed@example.org')).toMatchObject({ topics: ['Ukraine'], cadence: 'instant', timeZone: 'Asia/Tokyo' });
  });
});

describe('the CSV import and export', () => {
  it('imports cadence and timeZone columns, refuses bad cells by line, and exports them back', async () => {
    const csv = [
      'email,name,topics,cadence,timeZone',
      'csv-daily@example.org,,Russia|Ukraine,daily,Europe/Berlin',
      'csv-mixed@example.org,,Russia|Ukraine,Russia=daily|Ukraine=instant,',
      'csv-plain@example.org,,Russia,,',
      'csv-bad@example.org,,Russia,weekly,',
      'csv-badzone@example.org,,Russia,daily,Europe/Atlantis',
    ].join('\n');
    const res = await h.app.inject({ method: 'POST', url: '/api/subscribers/import?status=active', headers: { ...h.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ imported: 3, errors: [{ line: 5 }, { line: 6 }] });
    expect(res.json().errors[0].message).toMatch(/^cadence /);
    expect(await find('csv-daily@example.org')).toMatchObject({ cadence: 'daily', timeZone: 'Europe/Berlin' });
    expect(await find('csv-mixed@example.org')).toMatchObject({ cadence: { Russia: 'daily' } });
    expect((await find('csv-plain@example.org'))!.cadence).toBe('instant');

    const exported = await h.app.inject({ method: 'GET', url: '/api/subscribers.csv', headers: h.auth });
    const [header, ...rows] = parse(exported.body) as string[][];
    expect(header).toEqual(['email', 'name', 'topics', 'consent', 'status', 'cadence', 'timeZone']);
    const byEmail = new Map(rows.map((r) => [r[0], r]));
    expect(byEmail.get('csv-daily@example.org')!.slice(5)).toEqual(['daily', 'Europe/Berlin']);
    expect(byEmail.get('csv-mixed@example.org')!.slice(5)).toEqual(['Russia=daily', '']);
    expect(byEmail.get('csv-plain@example.org')!.slice(5)).toEqual(['instant', '']);
  });

  it('an import without those columns leaves a reader’s cadence alone', async () => {
    const csv = 'email,name,topics\ncsv-daily@example.org,Renamed,Russia\n';
    const res = await h.app.inject({ method: 'POST', url: '/api/subscribers/import?status=active', headers: { ...h.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(res.json()).toMatchObject({ updated: 1, errors: [] });
    expect(await find('csv-daily@example.org')).toMatchObject({ name: 'Renamed', topics: ['Russia'], cadence: 'daily', timeZone: 'Europe/Berlin' });
  });
});
