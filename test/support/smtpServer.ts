import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { domainToASCII } from 'node:url';

/** smtp-server hands IDN domains back decoded; compare what went over the wire (punycode). */
const wire = (a: string) => {
  const at = a.lastIndexOf('@');
  return at < 0 ? a : `${a.slice(0, at)}@${domainToASCII(a.slice(at + 1))}`;
};

/** A message as the test SMTP server received it. */
export interface Received {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** A scripted reply: a code and text to refuse with, or undefined to accept. */
export type Reply = { code: number; message: string } | undefined;

export interface SmtpBehaviour {
  onConnect?(): Reply;
  onMailFrom?(address: string): Reply;
  onRcpt?(address: string, attempt: number): Reply;
  onData?(envelopeTo: string[], attempt: number): Reply | 'drop';
  auth?: { user: string; pass: string };
  /** Keep the raw bytes only (no mailparser): for volume tests where parsing would be the bottleneck. `parsed` is then empty. */
  skipParse?: boolean;
}

/**
 * A real SMTP server (smtp-server) that keeps what it receives, parsed by
 * mailparser. `behaviour` scripts refusals per recipient or per message.
 */
export async function startSmtpServer(behaviour: SmtpBehaviour = {}) {
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  let connections = 0;
  let authAttempts = 0;
  const waiters: (() => void)[] = [];
  const fail = (r: Reply) => {
    const err = new Error(r!.message) as Error & { responseCode: number };
    err.responseCode = r!.code;
    return err;
  };
  const server = new SMTPServer({
    secure: false,
    authOptional: !behaviour.auth,
    disabledCommands: behaviour.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onAuth(auth, _session, cb) {
      authAttempts++;
      if (behaviour.auth && auth.username === behaviour.auth.user && auth.password === behaviour.auth.pass) return cb(null, { user: auth.username });
      return cb(fail({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onConnect(_session, cb) {
      connections++;
      const r = behaviour.onConnect?.();
      cb(r ? fail(r) : undefined);
    },
    onMailFrom(address: SMTPServerAddress, _session, cb) {
      const r = behaviour.onMailFrom?.(address.address);
      cb(r ? fail(r) : undefined);
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      const addr = wire(address.address);
      const n = (rcptAttempts.get(addr) ?? 0) + 1;
      rcptAttempts.set(addr, n);
      const r = behaviour.onRcpt?.(addr, n);
      cb(r ? fail(r) : undefined);
    },
    onData(stream, session: SMTPServerSession, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const to = session.envelope.rcptTo.map((a) => wire(a.address));
        const key = to.join(',');
        const n = (dataAttempts.get(key) ?? 0) + 1;
        dataAttempts.set(key, n);
        const r = behaviour.onData?.(to, n);
        if (r === 'drop') {
          // Accept the bytes, then vanish before replying: the sender cannot know.
          (session as unknown as { socket?: { destroy(): void } }).socket?.destroy?.();
          return;
        }
        if (r) return cb(fail(r));
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({ from: session.envelope.mailFrom ? (session.envelope.mailFrom as SMTPServerAddress).address : '', to, raw, parsed: behaviour.skipParse ? ({} as ParsedMail) : await simpleParser(raw) });
        cb(null);
        waiters.splice(0).forEach((w) => w());
      });
    },
  });
  // A client killed mid-session (kill -9 chaos tests) resets its socket: that is the test, not a failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: behaviour.auth ? `smtp://${behaviour.auth.user}:${behaviour.auth.pass}@127.0.0.1:${port}` : `smtp://127.0.0.1:${port}`,
    received,
    rcptAttempts,
    /** SMTP sessions opened so far. */
    connections: () => connections,
    /** AUTH attempts seen (credentials sent) so far. */
    authAttempts: () => authAttempts,
    to: (address: string) => received.filter((m) => m.to.includes(address)),
    async waitFor(predicate: () => boolean, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > end) throw new Error(`timed out waiting for mail (have ${received.length})`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type TestSmtpServer = Awaited<ReturnType<typeof startSmtpServer>>;
