import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrief, dispatch, status, waitForStatus } from '../dispatch/support.ts';
import { signIn } from '../admin/support.ts';
import { addReader, createCadenceHarness, testClock, type CadenceHarness } from './support.ts';

/**
 * QUIET_HOURS=22-7 in each reader's own time zone: an instant alert that
 * falls in them waits (its batch is held in BullMQ until they end there); a
 * breaking alert goes through. The workers' clock is set by the test; the
 * held batches are promoted rather than waited for.
 */

/** Next 15 June, 21:30 UTC: 23:30 in Paris (CEST), 06:30 in Tokyo, 17:30 in New York, 21:30 UTC. */
const night = (() => {
  const now = new Date();
  const year = now.getUTCMonth() < 5 ? now.getUTCFullYear() : now.getUTCFullYear() + 1;
  return Date.UTC(year, 5, 15, 21, 30);
})();
const HOUR = 3_600_000;

let h: CadenceHarness;
const clock = testClock();
const got = (who: string) => h.smtp.to(`${who}@example.org`).map((m) => m.parsed.subject);

beforeAll(async () => {
  h = await createCadenceHarness({ clock, env: { QUIET_HOURS: '22-7' } });
  await addReader(h, 'paris@example.org', { timeZone: 'Europe/Paris' });
  await addReader(h, 'tokyo@example.org', { timeZone: 'Asia/Tokyo' });
  await addReader(h, 'newyork@example.org', { timeZone: 'America/New_York' });
  // No zone of their own: DIGEST_TIME_ZONE (UTC), where it is 21:30.
  await addReader(h, 'utc@example.org');
  clock.set(new Date(night).toISOString());
});
afterAll(async () => h?.close());

describe('a normal dispatch at 21:30 UTC', () => {
  let id: string;
  beforeAll(async () => {
    const b = await createBrief(h, { title: 'Routine at night', topics: ['Russia'] });
    id = (await dispatch(h, b.id)).json().id;
    await waitForStatus(h, id, (d) => d.planned && d.sent === 2);
  });

  it('reaches at once only the readers outside their quiet hours', async () => {
    expect(got('newyork')).toEqual(['Routine at night']);
    expect(got('utc')).toEqual(['Routine at night']);
    expect(got('paris')).toEqual([]);
    expect(got('tokyo')).toEqual([]);
    expect(await status(h, id)).toMatchObject({ status: 'sending', total: 4, sent: 2 });
  });

  it('holds the others, each batch until 07:00 where its readers live', async () => {
    const held = await h.services.queues.deliver.getDelayed();
    expect(held).toHaveLength(2);
    const subscriber = async (email: string) => (await h.services.subscribers.findByEmail(email))!.id;
    const byReader = new Map(held.map((j) => [j.data.ids.join(','), j]));
    const tokyo = byReader.get(await subscriber('tokyo@example.org'))!;
    const paris = byReader.get(await subscriber('paris@example.org'))!;
    // 07:00 in Tokyo is 22:00 UTC, half an hour on; 07:00 in Paris is 05:00 UTC, seven and a half hours on.
    expect(Math.abs(tokyo.delay - 0.5 * HOUR)).toBeLessThan(60_000);
    expect(Math.abs(paris.delay - 7.5 * HOUR)).toBeLessThan(60_000);
    expect(tokyo.opts.priority).toBe(2);
  });

  it('delivers each held batch once its time comes, and then the dispatch is done and reconciles', async () => {
    const held = await h.services.queues.deliver.getDelayed();
    for (const job of held.sort((a, b) => a.delay - b.delay)) {
      clock.set(new Date(job.timestamp + job.delay).toISOString());
      await job.promote();
    }
    const d = await waitForStatus(h, id, 'done');
    expect(d).toMatchObject({ total: 4, sent: 4, missing: 0, reconciled: true });
    expect(got('paris')).toEqual(['Routine at night']);
    expect(got('tokyo')).toEqual(['Routine at night']);
    expect(got('newyork')).toHaveLength(1);
  });
});

describe('a breaking dispatch at the same hour', () => {
  it('ignores quiet hours: everyone at once, no batch held', async () => {
    clock.set(new Date(night + 10 * 60_000).toISOString());
    const b = await createBrief(h, { title: 'Breaking at night', topics: ['Ukraine'] });
    const res = await dispatch(h, b.id, { priority: 'breaking' });
    expect(res.statusCode).toBe(202);
    const d = await waitForStatus(h, res.json().id, 'done');
    expect(d).toMatchObject({ priority: 'breaking', total: 4, sent: 4, reconciled: true });
    for (const who of ['paris', 'tokyo', 'newyork', 'utc']) expect(got(who), who).toContain('Breaking at night');
    expect(await h.services.queues.deliver.getDelayedCount()).toBe(0);
  });

  it('the admin’s dispatch confirmation offers "breaking", and the dispatch page says it', async () => {
    const { cookie, csrf } = await signIn(h);
    const b = await createBrief(h, { title: 'Breaking from the desk', topics: ['Conflict'] });
    const confirm = await h.app.inject({ method: 'GET', url: `/admin/briefs/${b.id}/dispatch`, headers: { cookie } });
    expect(confirm.body).toContain('name="priority" value="breaking"');
    const sent = await h.app.inject({
      method: 'POST',
      url: `/admin/briefs/${b.id}/dispatch`,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, topics: 'Conflict', priority: 'breaking' }).toString(),
    });
    expect(sent.statusCode).toBe(303);
    const id = /\/admin\/dispatches\/(d\d+)$/.exec(sent.headers.location as string)![1]!;
    expect(await waitForStatus(h, id, 'done')).toMatchObject({ priority: 'breaking', sent: 4 });
    const page = await h.app.inject({ method: 'GET', url: `/admin/dispatches/${id}`, headers: { cookie } });
    expect(page.body).toMatch(/Priority <strong>breaking<\/strong>/);
  });

  it('rejects a priority that is neither breaking nor normal, naming the field', async () => {
    const b = await createBrief(h, { title: 'Bad priority' });
    const res = await dispatch(h, b.id, { priority: 'urgent' });
    expect(res.statusCode).toBe(400);
    expect(JSON.stringify(res.json().error.fields)).toContain('priority');
  });
});
