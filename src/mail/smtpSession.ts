import net from 'node:net';
import tls from 'node:tls';
import type { MailSendError } from './mailer.ts';
import type { SmtpTarget } from './smtpTarget.ts';

/**
 * One SMTP connection that moves pre-built messages: EHLO, STARTTLS, AUTH,
 * then per message a pipelined MAIL/RCPT/DATA and the message (see
 * smtpData.ts) in one gathered write. Bulk mail is already MIME-encoded once
 * per brief; what is left per recipient is this, kept to two round trips.
 *
 * "Handed over" is exact here: the message, final dot included, is one write,
 * and it counts only once the socket has taken all of it. A connection lost
 * before that cannot have delivered (no final dot); after it, it may have.
 */

interface Reply {
  code: number;
  text: string;
}

type Waiter = { resolve: (r: Reply) => void; reject: (e: Error) => void };

function smtpError(message: string, code: string, reply?: Reply, dataHandedOver = false): MailSendError {
  const err = new Error(reply ? `${message}: ${reply.text}` : message) as MailSendError;
  err.code = code;
  if (reply) {
    err.responseCode = reply.code;
    err.response = reply.text;
  }
  err.dataHandedOver = dataHandedOver;
  return err;
}

const SAFE_ADDRESS = /^[^\s<>\r\n]+$/;

export class SmtpSession {
  private socket: net.Socket;
  private buffer = '';
  private lines: string[] = [];
  private waiters: Waiter[] = [];
  private extensions = new Set<string>();
  private authMethods = new Set<string>();
  private closedError: MailSendError | null = null;
  /** Messages this connection has carried; a reused connection may have gone stale while idle. */
  sent = 0;

  private constructor(
    private readonly target: SmtpTarget,
    socket: net.Socket,
    private readonly onGone: (s: SmtpSession) => void,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  /** Connects, greets, upgrades to TLS where it can and logs in. */
  static async open(target: SmtpTarget, onGone: (s: SmtpSession) => void = () => undefined): Promise<SmtpSession> {
    const options = { host: target.host, port: target.port };
    const socket = target.secure
      ? tls.connect({ ...options, servername: net.isIP(target.host) ? undefined : target.host, rejectUnauthorized: target.rejectUnauthorized })
      : net.connect(options);
    const session = new SmtpSession(target, socket, onGone);
    try {
      await session.handshake();
      return session;
    } catch (e) {
      session.destroy();
      throw e;
    }
  }

  get usable(): boolean {
    return this.closedError === null;
  }

  private attach(socket: net.Socket) {
    socket.setNoDelay(true);
    socket.setTimeout(this.target.timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('timeout', this.onTimeout);
  }

  private detach(socket: net.Socket) {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
    socket.off('timeout', this.onTimeout);
  }

  private onData = (chunk: string) => {
    this.buffer += chunk;
    if (this.buffer.length > 64 * 1024) return this.fail(smtpError('Server reply too long', 'EPROTOCOL'));
    let i;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, '');
      this.buffer = this.buffer.slice(i + 1);
      this.lines.push(line);
      // "250-..." continues a reply; "250 ..." (or a bare "250") ends it.
      if (line.length > 3 && line[3] === '-') continue;
      const reply = { code: Number(line.slice(0, 3)) || 0, text: this.lines.join('\n') };
      this.lines = [];
      const waiter = this.waiters.shift();
      // A reply nobody asked for (421 before closing an idle connection): the connection is done.
      if (!waiter) return this.fail(smtpError('Server closed the session', 'ECONNECTION', reply));
      waiter.resolve(reply);
    }
  };

  private onError = (err: Error) => this.fail(smtpError(err.message, (err as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? 'ETIMEDOUT' : 'ESOCKET'));
  private onClose = () => this.fail(smtpError('Connection closed unexpectedly', 'ECONNECTION'));
  private onTimeout = () =>
    // Idle in the pool, a timeout just retires the connection; mid-command it fails the command.
    this.fail(smtpError(this.waiters.length ? 'Timed out waiting for the server' : 'Idle connection closed', 'ETIMEDOUT'));

  private fail(err: MailSendError) {
    if (this.closedError) return;
    this.closedError = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
    this.socket.destroy();
    this.onGone(this);
  }

  private reply(): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private async command(line: string): Promise<Reply> {
    const r = this.reply();
    this.socket.write(`${line}\r\n`);
    return r;
  }

  private async handshake() {
    const greeting = await this.reply();
    if (greeting.code !== 220) throw smtpError('Server refused the connection', 'ECONNECTION', greeting);
    await this.hello();
    if (!this.target.secure && !this.target.ignoreTLS && this.extensions.has('STARTTLS')) {
      const r = await this.command('STARTTLS');
      if (r.code !== 220) throw smtpError('STARTTLS refused', 'ETLS', r);
      await this.upgrade();
      await this.hello();
    } else if (!this.target.secure && this.target.requireTLS) {
      throw smtpError('The server does not offer STARTTLS and SMTP_URL requires TLS', 'ETLS');
    }
    if (this.target.auth && this.authMethods.size) await this.login(this.target.auth);
  }

  private async hello() {
    let r = await this.command(`EHLO ${this.target.name}`);
    if (r.code !== 250) {
      r = await this.command(`HELO ${this.target.name}`);
      if (r.code !== 250) throw smtpError('Server refused HELO', 'EPROTOCOL', r);
    }
    this.extensions.clear();
    this.authMethods.clear();
    for (const line of r.text.split('\n').slice(1)) {
      const [name = '', ...args] = line.slice(4).trim().toUpperCase().split(/\s+/);
      this.extensions.add(name);
      if (name === 'AUTH') for (const m of args) this.authMethods.add(m);
    }
  }

  private upgrade(): Promise<void> {
    const plain = this.socket;
    this.detach(plain);
    return new Promise((resolve, reject) => {
      const secure = tls.connect(
        { socket: plain, servername: net.isIP(this.target.host) ? undefined : this.target.host, rejectUnauthorized: this.target.rejectUnauthorized },
        () => resolve(),
      );
      this.socket = secure;
      this.attach(secure);
      // fail() has already run by then (error, timeout): hand its reason to the handshake.
      secure.once('close', () => reject(this.closedError ?? smtpError('TLS connection closed', 'ETLS')));
    });
  }

  private async login(auth: { user: string; pass: string }) {
    let r: Reply;
    if (this.authMethods.has('PLAIN')) {
      r = await this.command(`AUTH PLAIN ${Buffer.from(`\0${auth.user}\0${auth.pass}`).toString('base64')}`);
    } else {
      r = await this.command('AUTH LOGIN');
      if (r.code === 334) r = await this.command(Buffer.from(auth.user).toString('base64'));
      if (r.code === 334) r = await this.command(Buffer.from(auth.pass).toString('base64'));
    }
    if (r.code !== 235) throw smtpError('Authentication failed', 'EAUTH', r);
  }

  /**
   * Sends one message to one recipient. `data` comes from toSmtpData (smtpData.ts). Throws a
   * MailSendError whose `dataHandedOver` says whether the server may have it.
   */
  async send(from: string, to: string, data: Buffer[]): Promise<string> {
    if (this.closedError) throw this.closedError;
    if (!SAFE_ADDRESS.test(from) || !SAFE_ADDRESS.test(to)) throw smtpError('Invalid envelope address', 'EENVELOPE');
    this.sent++;
    const utf8 = /[^\x00-\x7f]/.test(from + to) && this.extensions.has('SMTPUTF8') ? ' SMTPUTF8' : '';
    const envelope = [`MAIL FROM:<${from}>${utf8}`, `RCPT TO:<${to}>`, 'DATA'];
    let replies: Reply[];
    if (this.extensions.has('PIPELINING')) {
      const pending = envelope.map(() => this.reply());
      this.socket.write(`${envelope.join('\r\n')}\r\n`);
      replies = await Promise.all(pending);
    } else {
      replies = [];
      for (const line of envelope) {
        const r = await this.command(line);
        replies.push(r);
        if (r.code >= 400) break;
      }
    }
    const [mail, rcpt, dataReply] = replies;
    const refused = mail!.code !== 250 ? mail : rcpt && rcpt.code >= 300 ? rcpt : dataReply && dataReply.code !== 354 ? dataReply : undefined;
    if (refused) {
      // A server that said 354 although it refused the recipient now expects data: end it empty.
      if (dataReply?.code === 354) await this.command('.').catch(() => null);
      // The transaction is half open: reset it so the connection can carry the next message.
      await this.resetAfterRefusal(refused);
      throw smtpError(refused === mail ? 'Mail command failed' : refused === rcpt ? 'Recipient command failed' : 'DATA command failed', 'EENVELOPE', refused);
    }
    let handedOver = false;
    const final = this.reply();
    // One gathered write (writev); the last piece's callback runs once the socket has taken them all.
    this.socket.cork();
    data.forEach((piece, i) =>
      this.socket.write(
        piece,
        i === data.length - 1
          ? (err) => {
              if (!err) handedOver = true;
            }
          : undefined,
      ),
    );
    this.socket.uncork();
    let r: Reply;
    try {
      r = await final;
    } catch (e) {
      const err = smtpError((e as Error).message, (e as MailSendError).code ?? 'ECONNECTION', undefined, handedOver);
      throw err;
    }
    if (r.code !== 250) throw smtpError('Message refused', 'EMESSAGE', r);
    return r.text;
  }

  private async resetAfterRefusal(refused: Reply) {
    if (refused.code === 421) return this.fail(smtpError('Server closing the connection', 'ECONNECTION', refused));
    const r = await this.command('RSET').catch(() => null);
    if (!r || r.code !== 250) this.destroy();
  }

  /** Says goodbye, politely but briefly: a server that does not answer QUIT is cut off. */
  async quit(): Promise<void> {
    if (this.closedError) return;
    const bye = this.command('QUIT').catch(() => undefined);
    await Promise.race([bye, new Promise((r) => setTimeout(r, 1_000).unref())]);
    this.destroy();
  }

  destroy() {
    this.fail(smtpError('Connection closed by the client', 'ECONNECTION'));
  }
}
