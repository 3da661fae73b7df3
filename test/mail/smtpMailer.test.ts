import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Mailer, MailSendError } from '../../src/mail/mailer.ts';
import { createSmtpMailer } from '../../src/mail/smtpMailer.ts';
import { classifySmtpFailure } from '../../src/mail/smtpFailure.ts';
import { composeMessage } from '../../src/mail/compose.ts';
import { compileBrief } from '../../src/briefs/compile.ts';
import { buildBulkMessage, renderBulkMessage } from '../../src/dispatch/bulkMessage.ts';
import { OPTS, seedBrief } from '../briefs/support.ts';
import { testEnv } from '../support/harness.ts';

/**
 * The SMTP mailer (Nodemailer's SMTPConnection in briefwire's pool) against
 * smtp-server set up the ways relays are: STARTTLS, implicit TLS, AUTH LOGIN
 * only, no STARTTLS at all, no PIPELINING, idle timeouts. smtp-server's
 * built-in self-signed certificate stands in for a relay's.
 */

interface Got {
  from: string;
  to: string[];
  raw: string;
  secure: boolean;
  user?: string;
}

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function server(options: Partial<SMTPServerOptions> = {}) {
  const got: Got[] = [];
  let connections = 0;
  const srv = new SMTPServer({
    logger: false,
    authOptional: true,
    allowInsecureAuth: true,
    onConnect(_s, cb) {
      connections++;
      cb();
    },
    onAuth(auth, _s, cb) {
      if (auth.username === 'bw' && auth.password === 'p@ss:word') return cb(null, { user: 'bw' });
      return cb(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        got.push({
          from: (session.envelope.mailFrom as { address: string }).address,
          to: session.envelope.rcptTo.map((a) => a.address),
          raw: Buffer.concat(chunks).toString('latin1'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        cb(null);
      });
    },
    ...options,
  });
  srv.on('error', () => undefined);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.server.address() as AddressInfo).port;
  const closeable = { close: () => new Promise<void>((r) => srv.close(() => r())) };
  open.push(closeable);
  return { port, got, connections: () => connections };
}

function mailer(url: string, poolSize = 2): Mailer {
  const m = createSmtpMailer(loadConfig(testEnv('{bwt-smtp}', url, { SMTP_SOCKET_TIMEOUT_MS: '2000' })), url, poolSize);
  open.push({ close: () => m.close() });
  return m;
}

const message = (subject: string, body = 'Hello.\r\n') => `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\n${body}`;
const failure = (p: Promise<unknown>) => p.then(() => null, (e: MailSendError) => e);

describe('message bytes', () => {
  it('the message builders hand the mailer CRLF line ends only, with hostile values spliced in', async () => {
    const bareLineEnd = /\r(?!\n)|(?<!\r)\n/;
    const compiled = await compileBrief({ ...seedBrief(), title: 'Line one\nline two\r.' }, OPTS);
    const template = buildBulkMessage(compiled, { from: 'Fast Thinking <alerts@example.org>', listId: 'FT <ft.example.org>', date: new Date() });
    const dotty = 'https://news.example.org/u/.\r\n.\n.';
    const bulk = renderBulkMessage(template, { to: 'r@example.org', messageId: 'd.1@example.org', unsubscribeUrl: dotty, preferencesUrl: dotty });
    const text = bulk.toString('latin1');
    expect(text).not.toMatch(bareLineEnd);
    // No line starts with a dot (QP writes it =2E), within QP's 76 columns.
    expect(text).not.toMatch(/(^|\n)\./);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(Math.max(...body.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(76);
    const composed = await composeMessage({ from: 'a@example.org', to: 'b@example.org', subject: 's\n.', html: '<p>a\n.\rb</p>', text: 'a\n.\rb\n' });
    expect(composed.toString('latin1')).not.toMatch(bareLineEnd);
  });

  it('a send loop reuses one buffer for copy after copy, byte for byte what a fresh render gives', async () => {
    const compiled = await compileBrief(seedBrief(), OPTS);
    const template = buildBulkMessage(compiled, { from: 'Fast Thinking <alerts@example.org>', listId: 'FT <ft.example.org>', date: new Date() });
    const fields = (to: string) => ({ to, messageId: `d.${to}@example.org`, unsubscribeUrl: `https://news.example.org/unsubscribe/${to}`, preferencesUrl: `https://news.example.org/preferences/${to}` });
    const scratch: { buffer?: Buffer } = {};
    const seen = new Set<ArrayBufferLike>();
    for (const to of ['a@example.org', 'a-much-longer-address-than-the-first@example.org', 'b@example.org']) {
      const reused = renderBulkMessage(template, fields(to), scratch);
      expect(reused.equals(renderBulkMessage(template, fields(to)))).toBe(true);
      seen.add(reused.buffer);
    }
    // Room for longer addresses: the longer second address still fit the first buffer.
    expect(seen.size).toBe(1);
  });

  it('a server receives exactly the message, including lines that start with dots', async () => {
    const s = await server({ hideSTARTTLS: true });
    const body = '.\r\n..two dots\r\n.leading\r\nend\r\n';
    await mailer(`smtp://127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('dots', body) });
    expect(s.got).toHaveLength(1);
    expect(s.got[0]!.raw).toBe(message('dots', body));
    expect(s.got[0]).toMatchObject({ from: 'a@example.org', to: ['b@example.org'] });
  });
});

describe('connection setup', () => {
  it('upgrades with STARTTLS and logs in with AUTH LOGIN when that is all the server offers', async () => {
    const s = await server({ authMethods: ['LOGIN'] });
    const m = mailer(`smtp://bw:${encodeURIComponent('p@ss:word')}@127.0.0.1:${s.port}?rejectUnauthorized=false`);
    await m.send({ from: 'a@example.org', to: 'b@example.org', raw: message('tls') });
    expect(s.got[0]).toMatchObject({ secure: true, user: 'bw' });
  });

  it('speaks TLS from the first byte for smtps://', async () => {
    const s = await server({ secure: true });
    await mailer(`smtps://127.0.0.1:${s.port}?rejectUnauthorized=false`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('smtps') });
    expect(s.got[0]!.secure).toBe(true);
  });

  it('checks the certificate unless told not to: a self-signed relay is refused and gets nothing', async () => {
    const s = await server();
    const err = await failure(mailer(`smtp://127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err).not.toBeNull();
    expect(err!.dataHandedOver).toBe(false);
    expect(s.got).toHaveLength(0);
  });

  it('requireTLS refuses to send in the clear when STARTTLS is not offered', async () => {
    const s = await server({ hideSTARTTLS: true, disabledCommands: ['STARTTLS'] });
    const err = await failure(mailer(`smtp://127.0.0.1:${s.port}?requireTLS=true`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err).toMatchObject({ code: 'ETLS', phase: 'starttls' });
    expect(classifySmtpFailure(err!)).toBe('refused');
    expect(s.got).toHaveLength(0);
  });

  it('a wrong password is an EAUTH failure at AUTH carrying the server reply', async () => {
    const s = await server({ hideSTARTTLS: true });
    const err = await failure(mailer(`smtp://bw:wrong@127.0.0.1:${s.port}?allowInsecureAuth=true`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err).toMatchObject({ code: 'EAUTH', phase: 'auth', responseCode: 535, enhancedStatus: '5.7.8' });
    expect(classifySmtpFailure(err!)).toBe('refused');
  });

  it('never sends credentials without TLS: STARTTLS missing (or stripped) means no AUTH and no message', async () => {
    let authTries = 0;
    const s = await server({
      hideSTARTTLS: true,
      onAuth(_auth, _s, cb) {
        authTries++;
        cb(null, { user: 'bw' });
      },
    } as Partial<SMTPServerOptions>);
    const err = await failure(mailer(`smtp://bw:${encodeURIComponent('p@ss:word')}@127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err).toMatchObject({ code: 'EINSECUREAUTH', phase: 'auth', dataHandedOver: false });
    expect(classifySmtpFailure(err!)).toBe('refused');
    expect(authTries).toBe(0);
    expect(s.got).toHaveLength(0);
    // allowInsecureAuth=true is the operator's explicit choice for a trusted local relay.
    await mailer(`smtp://bw:${encodeURIComponent('p@ss:word')}@127.0.0.1:${s.port}?allowInsecureAuth=true`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('y') });
    expect(authTries).toBe(1);
    expect(s.got[0]).toMatchObject({ secure: false, user: 'bw' });
  });

  it('reports the health it saw: the last good send and the last failure with its phase', async () => {
    const s = await server({
      hideSTARTTLS: true,
      onMailFrom(_addr, _s, cb) {
        cb(_addr.address.startsWith('bad') ? Object.assign(new Error('5.1.8 Sender address rejected'), { responseCode: 553 }) : undefined);
      },
    } as Partial<SMTPServerOptions>);
    const m = mailer(`smtp://127.0.0.1:${s.port}`);
    await m.send({ from: 'a@example.org', to: 'b@example.org', raw: message('ok') });
    expect(m.health()).toMatchObject({ kind: 'smtp', relay: `127.0.0.1:${s.port}`, lastOkAt: expect.any(String) });
    const err = await failure(m.send({ from: 'bad@example.org', to: 'b@example.org', raw: message('no') }));
    expect(err).toMatchObject({ phase: 'mail', responseCode: 553, enhancedStatus: '5.1.8' });
    expect(m.health().lastError).toMatchObject({ phase: 'mail', kind: 'refused', reply: expect.stringContaining('553 5.1.8') });
  });
});

describe('sessions', () => {
  it('without PIPELINING, a refused recipient is reset and the same connection carries the next message', async () => {
    const s = await server({
      hideSTARTTLS: true,
      hidePIPELINING: true,
      onRcptTo(addr, _s, cb) {
        cb(addr.address.startsWith('no') ? Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }) : undefined);
      },
    } as Partial<SMTPServerOptions>);
    const m = mailer(`smtp://127.0.0.1:${s.port}`, 1);
    const err = await failure(m.send({ from: 'a@example.org', to: 'nobody@example.org', raw: message('1') }));
    expect(err).toMatchObject({ code: 'EENVELOPE', phase: 'rcpt', responseCode: 550, enhancedStatus: '5.1.1', dataHandedOver: false });
    expect(classifySmtpFailure(err!)).toBe('bounce');
    await m.send({ from: 'a@example.org', to: 'b@example.org', raw: message('2') });
    expect(s.got.map((g) => g.to)).toEqual([['b@example.org']]);
    expect(s.connections()).toBe(1);
  });

  it('a pooled connection the server closed while idle is replaced, and the message goes once', async () => {
    const s = await server({ hideSTARTTLS: true, socketTimeout: 300 });
    const m = mailer(`smtp://127.0.0.1:${s.port}`, 1);
    await m.send({ from: 'a@example.org', to: 'b@example.org', raw: message('first') });
    await new Promise((r) => setTimeout(r, 700));
    await m.send({ from: 'a@example.org', to: 'b@example.org', raw: message('second') });
    expect(s.got.map((g) => /Subject: (\w+)/.exec(g.raw)![1])).toEqual(['first', 'second']);
    expect(s.connections()).toBe(2);
  });

  it('keeps at most SMTP_POOL_SIZE connections however many sends are waiting', async () => {
    const s = await server({ hideSTARTTLS: true });
    const m = mailer(`smtp://127.0.0.1:${s.port}`, 3);
    await Promise.all(Array.from({ length: 30 }, (_, i) => m.send({ from: 'a@example.org', to: `r${i}@example.org`, raw: message(`m${i}`) })));
    expect(s.got).toHaveLength(30);
    expect(s.connections()).toBe(3);
  });

  it('refuses an envelope address that would inject a command, before anything is sent', async () => {
    const s = await server({ hideSTARTTLS: true });
    const err = await failure(mailer(`smtp://127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org>\r\nRCPT TO:<c@example.org', raw: message('x') }));
    expect(err).toMatchObject({ code: 'EENVELOPE', dataHandedOver: false });
    expect(s.got).toHaveLength(0);
  });
});
