import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createVerp } from '../../src/feedback/verp.ts';
import { startFeedbackInbound, type FeedbackInbound } from '../../src/feedback/inboundService.ts';
import { PROCESSED_KEYWORD } from '../../src/feedback/inbound/imapPoller.ts';
import { createLogger } from '../../src/logger.ts';
import { importActive, REDIS_URL, until } from '../support/harness.ts';
import { startDovecot, type TestDovecot } from './inbound/dovecot.ts';
import { BOUNCE_ADDRESS, createFeedbackHarness, userUnknownDsn, type FeedbackHarness } from './support.ts';

/**
 * The bounce mailbox path (BOUNCE_IMAP_URL) wired as the workers wire it
 * (src/feedback/inboundService.ts): a real Dovecot holds a DSN that came back
 * to a VERP address, the poller hands it to the inbox, the consumer to the
 * intake, and the reader is bounced. Dovecot here speaks no TLS, so the test
 * lets `imap://` stay plain; production requires STARTTLS or imaps.
 */

let dovecot: TestDovecot;
let h: FeedbackHarness;
let inbound: FeedbackInbound | null;
beforeAll(async () => {
  dovecot = await startDovecot();
  h = await createFeedbackHarness({ env: { BOUNCE_ADDRESS, BOUNCE_IMAP_URL: dovecot.url, BOUNCE_IMAP_INTERVAL: '10' } });
});
afterAll(async () => {
  await inbound?.close();
  await h?.close();
  await dovecot?.close();
});

describe('the bounce mailbox', () => {
  it('a DSN delivered to the mailbox with its VERP address bounces that reader, and the message is flagged processed', async () => {
    const { id } = await importActive(h, 'boxed@imap.example.org');
    const verp = createVerp(h.config.secretKey, BOUNCE_ADDRESS).envelopeFor('d42', id);
    // The mailbox's MTA records where it delivered the bounce: the VERP address (a catch-all or + addressing keeps it).
    await dovecot.deliver(Buffer.concat([Buffer.from(`Delivered-To: ${verp}\n`), userUnknownDsn('boxed@imap.example.org')]));
    inbound = await startFeedbackInbound({
      config: h.config,
      keys: h.services.keys,
      redis: h.services.redis,
      connect: () => new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
      intake: h.services.feedback.intake,
      logger: createLogger('silent'),
      imapOptions: { allowInsecure: true },
    });
    await until(async () => (await h.services.subscribers.get(id))?.status, (s) => s === 'bounced', 20_000, 'the reader bounced');
    expect((await h.services.subscribers.consentLog(id)).at(-1)).toMatchObject({ type: 'bounce', source: 'dsn', status: '5.1.1', dispatchId: 'd42' });
    await h.inboxDrained();
    const { ImapFlow } = await import('imapflow');
    const client = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: dovecot.user, pass: dovecot.pass }, logger: false });
    await client.connect();
    await client.mailboxOpen('INBOX');
    const fetched = await client.fetchOne('1', { flags: true });
    const flags = fetched ? [...(fetched.flags ?? [])] : [];
    await client.logout();
    expect(flags).toContain(PROCESSED_KEYWORD);
  });
});
