import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Mailer, MailSendError } from '../../src/mail/mailer.ts';
import { createSmtpMailer } from '../../src/mail/smtpMailer.ts';
import { toSmtpData } from '../../src/mail/smtpData.ts';
import { composeMessage } from '../../src/mail/compose.ts';
import { compileBrief } from '../../src/briefs/compile.ts';
import { buildBulkMessage, renderBulkMessage } from '../../src/dispatch/bulkMessage.ts';
import { OPTS, seedBrief } from '../briefs/support.ts';
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
  it('doubles a dot after any CR or LF and at the start, and ends with a lone dot', () => {
    const data = (raw: Buffer | string) => Buffer.concat(toSmtpData(raw));
    expect(data('.a\r\n.b\r\n..c\r\nd.e').toString()).toBe('..a\r\n..b\r\n...c\r\nd.e\r\n.\r\n');
    // Under any reading of a line end, no line of the data is a lone dot (SMTP smuggling).
    expect(data('a\n.\nb\r.\rc\r\n').toString()).toBe('a\n..\nb\r..\rc\r\n.\r\n');
    expect(data(Buffer.from('x\r\n')).toString()).toBe('x\r\n.\r\n');
    // Bytes outside ASCII pass through untouched, from a Buffer and from a string.
    expect(data(Buffer.from([0xe9, 0x0d, 0x0a]))).toEqual(Buffer.from([0xe9, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]));
    expect(data('é\r\n')).toEqual(Buffer.from('é\r\n.\r\n'));
    // A builder that guarantees no leading dots gets its bytes untouched, plus the final dot.
    expect(Buffer.concat(toSmtpData('a\r\nb\r\n', { noLineStartsWithDot: true })).toString()).toBe('a\r\nb\r\n.\r\n');
  });

  it('the message builders hand the mailer CRLF line ends only, with hostile values spliced in', async () => {
    const bareLineEnd = /\r(?!\n)|(?<!\r)\n/;
    const compiled = await compileBrief({ ...seedBrief(), title: 'Line one\nline two\r.' }, OPTS);
    const template = buildBulkMessage(compiled, { from: 'Fast Thinking <alerts@example.org>', listId: 'FT <ft.example.org>', date: new Date() });
    const dotty = 'https://news.example.org/u/.\r\n.\n.';
    const bulk = renderBulkMessage(template, { to: 'r@example.org', messageId: 'd.1@example.org', unsubscribeUrl: dotty, preferencesUrl: dotty });
    const text = bulk.toString('latin1');
    expect(text).not.toMatch(bareLineEnd);
    // What the deliverer promises the mailer (noLineStartsWithDot), within QP's 76 columns.
    expect(text).not.toMatch(/(^|\n)\./);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    expect(Math.max(...body.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(76);
    const composed = await composeMessage({ from: 'a@example.org', to: 'b@example.org', subject: 's\n.', html: '<p>a\n.\rb</p>', text: 'a\n.\rb\n' });
    expect(composed.toString('latin1')).not.toMatch(bareLineEnd);
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
