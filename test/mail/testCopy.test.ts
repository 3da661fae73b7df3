import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHarness, type Harness } from '../support/harness.ts';
import type { Received } from '../support/smtpServer.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from '../dispatch/support.ts';

/**
 * What an editor tests is what readers get: a test copy and a reader's copy of
 * one brief, as the SMTP server received them, differ only in the personal
 * values (address, links, Message-ID), the subject's [TEST] mark, the Date and
 * the MIME boundary.
 */

const EDITOR = 'editor@example.org';
const READER = 'user0@readers.example.org';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ workers: true });
});
afterAll(async () => h?.close());

/** Header lines (folds joined) and the MIME structure, with the boundary made neutral. */
function shape(m: Received) {
  const boundary = /boundary="([^"]+)"/.exec(m.raw)![1]!;
  const raw = m.raw.split(boundary).join('BOUNDARY');
  const [head, ...body] = raw.split('\r\n\r\n');
  const headers = head!.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  // Each part's own headers: the line after a boundary up to its blank line.
  const partHeaders = body.join('\r\n\r\n').match(/--BOUNDARY\r\n[^]*?\r\n\r\n/g);
  return { headers, partHeaders };
}

it('a test copy is byte for byte the readers’ message but for the personal values', async () => {
  const [subscriberId] = await addSubscribers(h, 1, () => [], 'readers.example.org');
  const brief = await createBrief(h, { topics: ['Russia'] });
  const test = await h.app.inject({ method: 'POST', url: `/api/briefs/${brief.id}/test`, headers: h.auth, payload: { to: [EDITOR] } });
  expect(test.statusCode).toBe(202);
  const sent = await dispatch(h, brief.id);
  await waitForStatus(h, sent.json().id, 'done');
  await h.smtp.waitFor(() => h.smtp.to(EDITOR).length === 1 && h.smtp.to(READER).length === 1);
  const copy = h.smtp.to(EDITOR)[0]!;
  const reader = h.smtp.to(READER)[0]!;

  const base = h.config.http.publicUrl;
  const token = h.services.linkTokens.sign(subscriberId!);
  const neutral = (s: string, personal: { to: string; unsubscribe: string; preferences: string }) =>
    s.split(personal.unsubscribe).join('UNSUBSCRIBE').split(personal.preferences).join('PREFERENCES').split(personal.to).join('ADDRESS');
  const copyValues = { to: EDITOR, unsubscribe: `${base}/unsubscribe/test-copy`, preferences: `${base}/preferences/test-copy` };
  const readerValues = { to: READER, unsubscribe: `${base}/unsubscribe/${token}`, preferences: `${base}/preferences/${token}` };

  // The bodies, decoded: every byte the same once the personal values are set aside.
  expect(copy.parsed.html).toContain(copyValues.unsubscribe);
  expect(reader.parsed.html).toContain(readerValues.unsubscribe);
  expect(neutral(String(copy.parsed.html), copyValues)).toBe(neutral(String(reader.parsed.html), readerValues));
  expect(neutral(copy.parsed.text!, copyValues)).toBe(neutral(reader.parsed.text!, readerValues));
  expect(copy.parsed.subject).toBe(`[TEST] ${reader.parsed.subject}`);

  // The envelope sender, the headers (same names, same order, same values but the personal ones) and the MIME parts.
  expect(copy.from).toBe(reader.from);
  const a = shape(copy);
  const b = shape(reader);
  expect(a.partHeaders).toEqual(b.partHeaders);
  expect(a.partHeaders).toHaveLength(2);
  const personal = /^(To|Subject|Date|Message-ID|List-Unsubscribe):/;
  expect(a.headers.map((l) => l.slice(0, l.indexOf(':')))).toEqual(b.headers.map((l) => l.slice(0, l.indexOf(':'))));
  expect(a.headers.filter((l) => !personal.test(l))).toEqual(b.headers.filter((l) => !personal.test(l)));
  expect(a.headers).toContain(`To: ${EDITOR}`);
  expect(a.headers).toContain(`List-Unsubscribe: <${copyValues.unsubscribe}>`);
  expect(b.headers).toContain(`List-Unsubscribe: <${readerValues.unsubscribe}>`);
  expect(copy.parsed.messageId).not.toBe(reader.parsed.messageId);
});
