import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import type { Received } from '../support/smtpServer.ts';
import { addSubscribers, createBrief, dispatch, seedBrief, waitForStatus } from '../dispatch/support.ts';

/**
 * CRLF header injection through every field that reaches a header: the brief
 * title (Subject), the configured sender names (From), the address (To and
 * the envelope). Input that could inject is refused with a 400 naming the
 * field; what is accepted, however odd, never adds a header to the message
 * the SMTP server receives.
 */

const INJECT = '\r\nBcc: injected@evil.example\r\nX-Injected: yes';
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    workers: true,
    env: {
      MAIL_FROM: `Fast Thinking${INJECT} <alerts@briefwire.example>`,
      CONFIRM_FROM: `Signup${INJECT} <confirm@briefwire.example>`,
      SIGNUP_LIMIT_PER_IP: '1000',
    },
  });
});
afterAll(async () => h?.close());

/** Header names of a received message, folded lines joined. */
function headerNames(m: Received): string[] {
  const block = m.raw.split('\r\n\r\n')[0]!.replace(/\r\n[ \t]+/g, ' ');
  return block.split('\r\n').map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
}

function expectNoInjection(m: Received, recipient: string) {
  const names = headerNames(m);
  expect(names).not.toContain('bcc');
  expect(names).not.toContain('x-injected');
  for (const one of ['from', 'to', 'subject', 'message-id']) expect(names.filter((n) => n === one), one).toHaveLength(1);
  expect(m.to).toEqual([recipient]);
  expect(m.raw).not.toMatch(/^Bcc:/im);
}

describe('CRLF header injection', () => {
  it('a title with CR/LF (JSON or Markdown) is refused, naming the field', async () => {
    for (const title of [`Hello${INJECT}`, 'Hello\nBcc: a@b.example', 'Hello\rX: y', 'Hello\u2028Bcc: a@b.example', 'Hello\u0085X: y']) {
      const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: h.auth, payload: { ...seedBrief(), title } });
      expect(res.statusCode, JSON.stringify(title)).toBe(400);
      expect(JSON.stringify(res.json().error.fields)).toContain('title');
    }
    const md = `---\ntitle: "Hello\\r\\nBcc: injected@evil.example"\nseries: Fast Thinking\npublishedAt: 2024-05-30\nurl: https://example.org/x\ntopics: [Russia]\n---\nIntro.\n\n## Head\n- bullet\n`;
    const res = await h.app.inject({ method: 'POST', url: '/api/briefs', headers: { ...h.auth, 'content-type': 'text/markdown' }, payload: md });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('title');
  });

  it('test-send addresses with CR/LF, lists or display names are refused', async () => {
    const brief = await createBrief(h, { title: 'Test send target' });
    for (const to of [`a@example.org${INJECT}`, 'a@example.org, b@example.org', 'Name <a@example.org>', 'a@example.org\nb@example.org']) {
      const res = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.id}/test`, headers: h.auth, payload: { to: [to] } });
      expect(res.statusCode, JSON.stringify(to)).toBe(400);
      expect(JSON.stringify(res.json().error.fields)).toContain('to.0');
    }
  });

  it('bulk mail: an odd but valid title and an injected MAIL_FROM name add no header', async () => {
    const [id] = await addSubscribers(h, 1, () => [], 'inject.example.org');
    expect(id).toBeDefined();
    const title = 'Subject: Bcc: x@evil.example =?utf-8?Q?=0D=0ABcc:_y@evil.example?= ' + 'long '.repeat(40);
    const brief = await createBrief(h, { title: title.trim() });
    const d = (await dispatch(h, brief.id)).json().id as string;
    await waitForStatus(h, d, 'done');
    const m = h.smtp.to('user0@inject.example.org')[0]!;
    expectNoInjection(m, 'user0@inject.example.org');
    expect(m.parsed.subject).toContain('Subject: Bcc: x@evil.example');
    expect(m.parsed.from?.value[0]?.address).toBe('alerts@briefwire.example');
    expect(m.from).toBe('alerts@briefwire.example');
  });

  it('test sends: the injected sender name adds no header', async () => {
    const brief = await createBrief(h, { title: 'Test copy' });
    const res = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.id}/test`, headers: h.auth, payload: { to: ['editor@inject.example.org'] } });
    expect(res.statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.to('editor@inject.example.org').length === 1);
    expectNoInjection(h.smtp.to('editor@inject.example.org')[0]!, 'editor@inject.example.org');
  });

  it('confirmation mail: the injected CONFIRM_FROM name and a name field add no header', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'Reader@INJECT.example.org', name: 'Ann =?utf-8?Q?=0D=0ABcc:_x@evil.example?=' } });
    expect(res.statusCode).toBe(202);
    await h.smtp.waitFor(() => h.smtp.to('Reader@inject.example.org').length === 1);
    expectNoInjection(h.smtp.to('Reader@inject.example.org')[0]!, 'Reader@inject.example.org');
  });
});
