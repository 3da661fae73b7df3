import { createServer, type Socket, type AddressInfo } from 'node:net';

/**
 * A hand-written SMTP peer on node:net for the faults smtp-server cannot
 * script: silence instead of a greeting, a connection cut while the message
 * is still arriving, a server that takes the whole message and never answers.
 * It speaks just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
 * for Nodemailer.
 */
export type RawSmtpMode =
  /** Accept the TCP connection and say nothing: the client's greeting timeout fires. */
  | 'no-greeting'
  /**
   * Answer 354 to DATA, stop reading at the first bytes of the message (so a
   * large message backs up in the sender), then cut the connection.
   */
  | 'drop-mid-data'
  /** Take the whole message (up to the final dot) and never reply, keeping the connection open. */
  | 'hang-after-data'
  /** A normal server that accepts everything. */
  | 'accept';

/** Commands the raw server refuses, with the whole reply line to send (e.g. `554 5.7.1 go away`). */
export type RawRefusals = Partial<Record<'EHLO' | 'HELO' | 'DATA', string>>;

export interface RawSmtpServer {
  port: number;
  url: string;
  mode: RawSmtpMode;
  /** Mutable: refusals for the commands smtp-server cannot script (EHLO, the DATA command itself). */
  refuse: RawRefusals;
  connections: number;
  /** Messages answered 250 after the final dot: envelope recipients. */
  accepted: string[][];
  /** Data-phase cuts: whether the final dot had already arrived when the connection was cut. */
  cuts: { sawEnd: boolean }[];
  /** Messages fully received and left unanswered (hang-after-data). */
  unanswered: number;
  close(): Promise<void>;
}

export async function startRawSmtp(mode: RawSmtpMode): Promise<RawSmtpServer> {
  const sockets = new Set<Socket>();
  const state: RawSmtpServer = {
    port: 0,
    url: '',
    mode,
    refuse: {},
    connections: 0,
    accepted: [],
    cuts: [],
    unanswered: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    state.connections++;
    if (state.mode === 'no-greeting') return;
    const say = (line: string) => socket.writable && socket.write(`${line}\r\n`);
    say('220 raw.test ESMTP ready');
    let buffer = '';
    let inData = false;
    let rcpt: string[] = [];
    // Where the search for the final dot resumes: large messages stay linear.
    let scanned = 0;
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buffer.indexOf('\r\n.\r\n', Math.max(0, scanned - 4));
          scanned = buffer.length;
          if (state.mode === 'drop-mid-data') {
            state.cuts.push({ sawEnd: end >= 0 });
            socket.pause();
            setTimeout(() => socket.destroy(), 200);
            return;
          }
          if (end < 0) return;
          buffer = buffer.slice(end + 5);
          inData = false;
          scanned = 0;
          if (state.mode === 'hang-after-data') {
            state.unanswered++;
            return;
          }
          state.accepted.push(rcpt);
          rcpt = [];
          say('250 2.0.0 queued');
          continue;
        }
        const nl = buffer.indexOf('\r\n');
        if (nl < 0) return;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.slice(0, 4).toUpperCase();
        const refusal = state.refuse[verb as keyof RawRefusals];
        if (refusal) say(refusal);
        else if (verb === 'EHLO') socket.write('250-raw.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
        else if (verb === 'HELO') say('250 raw.test');
        else if (verb === 'MAIL') {
          rcpt = [];
          say('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          rcpt.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          say('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          scanned = 0;
          say('354 go ahead');
        } else if (verb === 'RSET') {
          rcpt = [];
          say('250 2.0.0 ok');
        } else if (verb === 'NOOP') say('250 2.0.0 ok');
        else if (verb === 'QUIT') {
          say('221 2.0.0 bye');
          socket.end();
          return;
        } else say('502 5.5.2 not implemented');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.url = `smtp://127.0.0.1:${state.port}`;
  return state;
}
