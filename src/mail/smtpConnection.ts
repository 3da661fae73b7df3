import type { Readable } from 'node:stream';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { MailSendError, SmtpPhase } from './mailer.ts';
import { enhancedStatus } from './smtpFailure.ts';
import type { SmtpTarget } from './smtpTarget.ts';
import { lazyModule } from '../lazyModule.ts';

/**
 * One Nodemailer SMTPConnection, opened (connect, STARTTLS, AUTH) and then
 * reused for pre-built messages. Nodemailer speaks the protocol; this only
 * adds what the delivery ledger needs from it: the phase of every failure,
 * whether the whole message was handed over, and no login without TLS.
 */

type NodemailerError = Error & { code?: string; command?: string; response?: string; responseCode?: number };

/**
 * The message, in the shape of a readable stream, so we see the transport take
 * it. SMTPConnection.send() pipes a message that has `pipe` only once DATA was
 * answered 354 (`started`), into its dot-stuffing stream, which appends the
 * final dot and is piped to the socket: once that stream has ended, every byte
 * including the dot has been written (`handedOver`). It implements just what
 * send() uses of a stream (on, removeListener, destroy, pipe): a full Readable
 * per recipient (its state, its pipe listeners) showed up as garbage-collection
 * time in the worker's profile (bench/RESULTS.md). test/chaos/smtpFaults checks
 * both sides of "handed over" against a real socket.
 */
class MessageSource {
  started = false;
  handedOver = false;
  constructor(private readonly bytes: Buffer) {}
  // The bytes are in memory: there is no read error to report, and nothing to release.
  on() {
    return this;
  }
  removeListener() {
    return this;
  }
  destroy() {}
  pipe<T extends NodeJS.WritableStream>(destination: T): T {
    this.started = true;
    (destination as unknown as NodeJS.ReadableStream).once('end', () => (this.handedOver = true));
    destination.end(this.bytes);
    return destination;
  }
}

/** Nodemailer's `err.command` names the step; where it says only CONN/API, our own stage does. */
function phaseOf(err: NodemailerError, stage: 'open' | 'send', source?: MessageSource): SmtpPhase {
  const command = err.command ?? '';
  if (command === 'EHLO' || command === 'HELO' || command === 'LHLO') return 'ehlo';
  if (command === 'STARTTLS') return 'starttls';
  if (command.startsWith('AUTH')) return 'auth';
  if (command === 'MAIL FROM') return 'mail';
  if (command === 'RCPT TO') return 'rcpt';
  if (command === 'DATA') return err.code === 'EMESSAGE' ? 'message' : 'data';
  if (stage === 'open') return err.responseCode ? 'greeting' : 'connect';
  if (source?.handedOver) return 'message';
  return source?.started ? 'data' : 'mail';
}

function typed(e: unknown, stage: 'open' | 'send', source?: MessageSource): MailSendError {
  const err = (e instanceof Error ? e : new Error(String(e))) as NodemailerError & MailSendError;
  err.phase = phaseOf(err, stage, source);
  if (err.response) err.enhancedStatus = enhancedStatus(err.response);
  err.dataHandedOver = source?.handedOver ?? false;
  return err;
}

function insecureAuth(): MailSendError {
  const err = new Error('SMTP credentials are set, but the connection has no TLS (STARTTLS not offered, or stripped): AUTH was not sent. Fix the relay, or add allowInsecureAuth=true to SMTP_URL for a trusted local relay.') as MailSendError;
  err.code = 'EINSECUREAUTH';
  err.phase = 'auth';
  err.dataHandedOver = false;
  return err;
}

// Loaded with the first connection, so a worker that never sends does not hold it. A failed load
// fails that open as a connect failure (nothing was sent, so it is retried) that says what is missing.
const loadSmtpConnection = lazyModule<typeof SMTPConnection>(
  () => import('nodemailer/lib/smtp-connection').then((m) => m.default),
  (e) => Object.assign(new Error(`could not load nodemailer's SMTP client: ${e.message}`, { cause: e }), { code: 'EMODULE', phase: 'connect', dataHandedOver: false }),
);

export class PooledConnection {
  /** Messages this connection has carried; a reused connection may have gone stale while idle. */
  sent = 0;
  private gone = false;
  /** Fails the send in flight: SMTPConnection.close() drops its callback without calling it. */
  private cutInFlight: ((err: Error) => void) | null = null;

  private constructor(
    private readonly conn: SMTPConnection,
    private readonly onGone: (c: PooledConnection) => void,
  ) {
    // Failures reach the callbacks; the emitter's copy must not throw as an unhandled 'error'.
    conn.on('error', () => undefined);
    conn.once('end', () => this.markGone());
  }

  /** Connects, greets, upgrades to TLS where it can and logs in (only over TLS, unless allowed). */
  static async open(target: SmtpTarget, onGone: (c: PooledConnection) => void = () => undefined): Promise<PooledConnection> {
    const conn = new (await loadSmtpConnection())(target.connection);
    const pooled = new PooledConnection(conn, onGone);
    try {
      await new Promise<void>((resolve, reject) => {
        const closed = () => reject(Object.assign(new Error('Connection closed during setup'), { code: 'ECONNECTION', command: 'CONN' }));
        const settle = (err?: Error | null) => {
          conn.off('error', settle);
          conn.off('end', closed);
          return err ? reject(err) : resolve();
        };
        conn.once('error', settle);
        conn.once('end', closed);
        conn.connect(settle);
      });
      if (target.auth) {
        if (!conn.secure && !target.allowInsecureAuth) throw insecureAuth();
        // A relay that offers no AUTH gets none (as Nodemailer does): it decides whom it relays for.
        if (conn.allowsAuth) {
          await new Promise<void>((resolve, reject) => conn.login(target.auth!, (err?: Error | null) => (err ? reject(err) : resolve())));
        }
      }
      return pooled;
    } catch (e) {
      pooled.destroy();
      throw (e as MailSendError).phase ? e : typed(e, 'open');
    }
  }

  get usable(): boolean {
    return !this.gone && !this.conn.destroyed;
  }

  /** Sends one pre-built message to one recipient; resolves with the reply to the final dot. */
  send(from: string, to: string, raw: Buffer | string): Promise<string> {
    this.sent++;
    const source = new MessageSource(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
    return new Promise<string>((resolve, reject) => {
      this.cutInFlight = (err) => reject(typed(err, 'send', source));
      this.conn.send({ from, to: [to] }, source as unknown as Readable, (err, info) => {
        this.cutInFlight = null;
        if (err) {
          const failure = typed(err, 'send', source);
          // A refused envelope or message leaves the session half open: reset it before the next one.
          if (this.usable && (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') && failure.responseCode !== 421) {
            // Should the connection be cut during RSET, the refusal is still what this send reports.
            this.cutInFlight = () => reject(failure);
            return this.conn.reset((resetErr) => {
              this.cutInFlight = null;
              if (resetErr) this.destroy();
              reject(failure);
            });
          }
          this.destroy();
          return reject(failure);
        }
        resolve(info.response);
      });
    });
  }

  /** Says goodbye; a server that does not answer QUIT is cut off by socketCloseTimeout. */
  quit() {
    if (!this.usable) return;
    this.conn.quit();
    this.markGone();
  }

  /** Closes at once; a send in flight fails (uncertain if its message was all out). */
  destroy() {
    this.conn.close();
    this.markGone();
  }

  private markGone() {
    if (this.gone) return;
    this.gone = true;
    this.onGone(this);
    // Nodemailer reports a connection lost mid-send to the send's callback, with the server's
    // last words, right after 'end'. Anything it leaves unanswered (our own close(), a loss
    // during RSET) is failed here, a tick later, so the real error always wins.
    const cut = this.cutInFlight;
    if (cut) {
      setImmediate(() => {
        if (this.cutInFlight !== cut) return;
        this.cutInFlight = null;
        cut(Object.assign(new Error('Connection closed while the send was in flight'), { code: 'ECONNECTION', command: 'CONN' }));
      });
    }
  }
}
