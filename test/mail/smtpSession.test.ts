import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Mailer, MailSendError } from '../../src/mail/mailer.ts';
import { createSmtpMailer } from '../../src/mail/smtpMailer.ts';
import { toSmtpData } from '../../src/mail/smtpSession.ts';
import { testEnv } from '../support/harness.ts';

/**
 * briefwire's own SMTP client against smtp-server set up the ways relays are:
 * STARTTLS, implicit TLS, AUTH LOGIN only, no PIPELINING, idle timeouts.
 * smtp-server's built-in self-signed certificate stands in for a relay's.
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
  const m = createSmtpMailer(loadConfig(testEnv('{bwt-smtp}', url, { SMTP_TIMEOUT_MS: '2000' })), url, poolSize);
  open.push({ close: () => m.close() });
  return m;
}

const message = (subject: string, body = 'Hello.\r\n') => `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\n${body}`;
const failure = (p: Promise<unknown>) => p.then(() => null, (e: MailSendError) => e);

describe('SMTP data encoding', () => {
  it('dot-stuffs line starts, turns bare CR and LF into CRLF, and ends with a lone dot', () => {
    expect(toSmtpData('.a\r\nb\n.c\r..d').toString()).toBe('..a\r\nb\r\n..c\r\n...d\r\n.\r\n');
    expect(toSmtpData(Buffer.from('x\r\n')).toString()).toBe('x\r\n.\r\n');
    // Bytes outside ASCII pass through untouched.
    expect(toSmtpData(Buffer.from([0xe9, 0x0d, 0x0a]))).toEqual(Buffer.from([0xe9, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]));
  });

  it('a server receives exactly the message, including lines that start with dots', async () => {
    const s = await server({ hideSTARTTLS: true });
    const body = '.\r\n..two dots\r\n.leading\r\nbare lf\nend\r\n';
    await mailer(`smtp://127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('dots', body) });
    expect(s.got).toHaveLength(1);
    expect(s.got[0]!.raw).toBe(message('dots', body.replace('bare lf\n', 'bare lf\r\n')));
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
    const s = await server({ hideSTARTTLS: true });
    const err = await failure(mailer(`smtp://127.0.0.1:${s.port}?requireTLS=true`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err?.code).toBe('ETLS');
    expect(s.got).toHaveLength(0);
  });

  it('a wrong password is an EAUTH failure carrying the server reply', async () => {
    const s = await server({ hideSTARTTLS: true });
    const err = await failure(mailer(`smtp://bw:wrong@127.0.0.1:${s.port}`).send({ from: 'a@example.org', to: 'b@example.org', raw: message('x') }));
    expect(err).toMatchObject({ code: 'EAUTH', responseCode: 535 });
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
    expect(err).toMatchObject({ code: 'EENVELOPE', responseCode: 550, dataHandedOver: false });
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
