import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import { messageThreadCount } from '../../src/dispatch/messageThread.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from './support.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true });
  await addSubscribers(h, 3);
});
afterAll(async () => h?.close());

const emailKey = (briefId: string) => h.services.keys.briefEmail(briefId);
const sendAll = async (briefId: string, body: Record<string, unknown> = {}) => {
  const res = await dispatch(h, briefId, body);
  expect(res.statusCode).toBe(202);
  await waitForStatus(h, res.json().id, 'done');
  return res.json().id as string;
};
const bodiesOf = (dispatchId: string) =>
  h.smtp.received.filter((m) => m.parsed.messageId?.startsWith(`<${dispatchId}.`)).map((m) => ({ subject: m.parsed.subject, title: m.parsed.html && m.parsed.html.includes('The Kharkiv conundrum') }));

describe('the compiled brief is shared through Redis', () => {
  it('the API stores the email it compiled on save, and the planner sends it without building in a thread', async () => {
    const brief = await createBrief(h, { title: 'Shared compile' });
    const entry = JSON.parse((await h.services.redis.get(emailKey(brief.id)))!);
    expect(entry.version).toBe(1);
    expect(entry.compiled.html).toContain('The Kharkiv conundrum');
    const threads = messageThreadCount();
    const id = await sendAll(brief.id);
    expect(messageThreadCount()).toBe(threads);
    expect(bodiesOf(id)).toEqual(Array(3).fill({ subject: 'Shared compile', title: true }));
  });

  it('a brief nobody compiled, or compiled with other templates or options, is built in a thread as before', async () => {
    const brief = await createBrief(h, { title: 'Built by the worker' });
    await h.services.redis.del(emailKey(brief.id));
    const threads = messageThreadCount();
    const first = await sendAll(brief.id);
    expect(messageThreadCount()).toBe(threads + 1);
    expect(bodiesOf(first)).toEqual(Array(3).fill({ subject: 'Built by the worker', title: true }));

    // Compiled elsewhere with other templates: its fingerprint does not match this worker's.
    const entry = { version: 1, fingerprint: 'other-templates', compiled: { subject: 'stale', html: 'stale', text: 'stale' } };
    await h.services.redis.set(emailKey(brief.id), JSON.stringify(entry));
    const second = await sendAll(brief.id, { force: true });
    expect(messageThreadCount()).toBe(threads + 2);
    expect(bodiesOf(second)).toEqual(Array(3).fill({ subject: 'Built by the worker', title: true }));
  });

  it('an edit stores the new version, and the send carries it', async () => {
    const brief = await createBrief(h, { title: 'Before the edit' });
    const put = await h.app.inject({ method: 'PUT', url: `/api/briefs/${brief.id}`, headers: h.auth, payload: { ...(await h.services.briefs.get(brief.id))!.brief, title: 'After the edit' } });
    expect(put.statusCode).toBe(200);
    expect(JSON.parse((await h.services.redis.get(emailKey(brief.id)))!).version).toBe(2);
    const threads = messageThreadCount();
    const id = await sendAll(brief.id);
    expect(messageThreadCount()).toBe(threads);
    expect(bodiesOf(id)).toEqual(Array(3).fill({ subject: 'After the edit', title: true }));
  });
});
