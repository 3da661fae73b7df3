import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mjmlRenderCount } from '../../src/briefs/compile.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from './support.ts';

let h: Harness;
beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  h = await createHarness({
    workers: true,
    env: {
      DKIM_DOMAIN: 'briefwire.localhost',
      DKIM_SELECTOR: 'bw2026',
      DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      DISPATCH_BATCH_SIZE: '10',
    },
  });
});
afterAll(async () => h?.close());

it('signs bulk mail with DKIM covering both unsubscribe headers, and renders MJML once for the whole send', async () => {
  await addSubscribers(h, 40);
  const before = mjmlRenderCount();
  const brief = await createBrief(h);
  const id = (await dispatch(h, brief.id)).json().id;
  await waitForStatus(h, id, 'done');
  expect(mjmlRenderCount() - before).toBe(1);
  expect(h.smtp.received).toHaveLength(40);
  const headers = h.smtp.received[0]!.raw.split('\r\n\r\n')[0]!;
  const sig = /^DKIM-Signature:([\s\S]*?)\r\n(?=\S)/m.exec(headers)?.[1]?.replace(/\s+/g, '');
  expect(sig).toBeDefined();
  expect(sig).toContain('d=briefwire.localhost');
  expect(sig).toContain('s=bw2026');
  const signed = /;h=([^;]+)/.exec(sig!)![1]!.toLowerCase().split(':');
  expect(signed).toEqual(expect.arrayContaining(['from', 'subject', 'list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'message-id']));
});
