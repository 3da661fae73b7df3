import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMailer } from '../../src/mail/createMailer.ts';
import { composeMessage } from '../../src/mail/compose.ts';
import { createHarness, until, type Harness } from '../support/harness.ts';

/** With SMTP_URL unset, mail goes to the development outbox: one parseable .eml per message. */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bw-outbox-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const emlFiles = async (folder: string) => (await readdir(folder).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));

describe('outbox mailer', () => {
  it('is chosen when SMTP_URL is unset and writes a message that mailparser reads back', async () => {
    const folder = join(dir, 'direct', 'nested');
    const config = loadConfig({ OUTBOX_DIR: folder });
    const mailer = createMailer(config, createLogger('silent'));
    expect(mailer.kind).toBe('outbox');
    expect(mailer.health()).toEqual({ kind: 'outbox' });

    const raw = await composeMessage({
      from: 'Fast Thinking <alerts@briefwire.localhost>',
      to: 'reader@example.org',
      subject: 'Grüße: a test',
      html: '<p>Hello <b>reader</b></p>',
      text: 'Hello reader',
    });
    const receipt = await mailer.send({ from: 'alerts@briefwire.localhost', to: 'reader@example.org', raw });
    const files = await emlFiles(folder);
    expect(files).toHaveLength(1);
    expect(receipt.response).toContain(files[0]);
    expect(files[0]).toContain('reader@example.org');

    const parsed = await simpleParser(await readFile(join(folder, files[0]!)));
    expect(parsed.subject).toBe('Grüße: a test');
    expect(parsed.from?.value[0]?.address).toBe('alerts@briefwire.localhost');
    expect((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address).toBe('reader@example.org');
    expect(parsed.text?.trim()).toBe('Hello reader');
    expect(parsed.html).toContain('<b>reader</b>');
    await mailer.close();
  });

  it('keeps odd recipient characters out of the file name', async () => {
    const folder = join(dir, 'names');
    const mailer = createMailer(loadConfig({ OUTBOX_DIR: folder }), createLogger('silent'));
    await mailer.send({ from: 'a@example.org', to: "o'hara/../../x@example.org", raw: 'Subject: x\r\n\r\nbody\r\n' });
    const files = await emlFiles(folder);
    expect(files).toHaveLength(1);
    expect(files[0]).not.toMatch(/[/'\\]/);
  });
});

describe('signup with the outbox', () => {
  let h: Harness;
  const folder = () => join(dir, 'signup');
  beforeAll(async () => {
    h = await createHarness({ workers: true, env: { SMTP_URL: '', OUTBOX_DIR: join(dir, 'signup') } });
  });
  afterAll(async () => h?.close());

  it('the confirmation email lands in the outbox and its link confirms', async () => {
    expect(h.workers!.mailer.kind).toBe('outbox');
    const res = await h.app.inject({ method: 'POST', url: '/subscribe', payload: { email: 'outbox-reader@example.org' } });
    expect(res.statusCode).toBe(202);
    const files = await until(() => emlFiles(folder()), (f) => f.length === 1, 20_000, 'an .eml in the outbox');
    const parsed = await simpleParser(await readFile(join(folder(), files[0]!)));
    expect((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address).toBe('outbox-reader@example.org');
    const link = /https:\/\/news\.example\.org(\/confirm\/[A-Za-z0-9_-]{43})/.exec(parsed.text ?? '')?.[1];
    expect(link).toBeDefined();
    expect(parsed.html).toContain(link);
    expect(h.smtp.received).toHaveLength(0);

    const confirmed = await h.app.inject({ method: 'POST', url: link! });
    expect(confirmed.statusCode).toBe(200);
    expect((await h.services.subscribers.findByEmail('outbox-reader@example.org'))?.status).toBe('active');
  });
});
