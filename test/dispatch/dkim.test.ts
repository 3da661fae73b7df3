import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mjmlRenderCount } from '../../src/briefs/compile.ts';
import { createHarness, type Harness } from '../support/harness.ts';
import { addSubscribers, createBrief, dispatch, waitForStatus } from './support.ts';

let h: Harness;
let publicKeyDer = '';
beforeAll(async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  publicKeyDer = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
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

  // The signature verifies over the bytes that arrived (signed before dot-stuffing, not after).
  const resolver = async (name: string, rr: string) => {
    if (rr === 'TXT' && name === 'bw2026._domainkey.briefwire.localhost') return [[`v=DKIM1; k=rsa; p=${publicKeyDer}`]];
    throw Object.assign(new Error(`no ${rr} for ${name}`), { code: 'ENOTFOUND' });
  };
  for (const m of h.smtp.received.slice(0, 3)) {
    const verdict = await dkimVerify(Buffer.from(m.raw, 'utf8'), { resolver });
    expect(verdict.results.map((r) => r.status.result)).toEqual(['pass']);
  }
});
