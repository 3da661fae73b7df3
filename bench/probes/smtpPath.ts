import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startSink } from '../lib/infra.ts';
import { seedMessage, recipientFields } from '../lib/brief.ts';
import { renderBulkMessage } from '../../src/dispatch/bulkMessage.ts';
import { createSmtpMailer } from '../../src/mail/smtpMailer.ts';
import { loadConfig } from '../../src/config.ts';

/**
 * Where case 1 loses against smtp-source: the same pre-built messages sent
 * (1) through nodemailer's SMTPConnection directly, one per connection, and
 * (2) through briefwire's mailer (pooled sendMail({raw})), alternating.
 * Usage: npx tsx bench/probes/smtpPath.ts [messages] [connections]
 */
const N = Number(process.argv[2] ?? 5000);
const C = Number(process.argv[3] ?? 10);
const sink = await startSink();
const m = await seedMessage();
type Conn = { connect(cb: () => void): void; once(e: string, cb: (err: Error) => void): void; send(env: object, msg: string, cb: (err: Error | null) => void): void; quit(): void };
const Ctor = SMTPConnection as unknown as new (o: object) => Conn;
const conns = await Promise.all(
  Array.from({ length: C }, () => new Promise<Conn>((resolve, reject) => {
    const c = new Ctor({ port: sink.port, host: '127.0.0.1' });
    c.once('error', reject);
    c.connect(() => resolve(c));
  })),
);
const mailer = createSmtpMailer(loadConfig({ SMTP_URL: sink.url, SMTP_POOL_SIZE: String(C) }));
const raw = (i: number) => renderBulkMessage(m.template, recipientFields(`r${i}@bench.example.org`, i));

async function timed(lanes: number, sendOne: (i: number, lane: number) => Promise<unknown>) {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async (_, lane) => { while (next < N) await sendOne(next++, lane); }));
  return Math.round((N * 1000) / (performance.now() - t0));
}

for (let rep = 0; rep < 3; rep++) {
  const direct = await timed(C, (i, lane) => new Promise<void>((resolve, reject) =>
    conns[lane]!.send({ from: 'alerts@briefwire.localhost', to: [`r${i}@bench.example.org`] }, raw(i), (e) => (e ? reject(e) : resolve()))));
  const pooled = await timed(C * 2, (i) => mailer.send({ from: 'alerts@briefwire.localhost', to: `r${i}@bench.example.org`, raw: raw(i) }));
  console.log(`SMTPConnection direct ${direct}/s   briefwire smtpMailer (pooled sendMail raw) ${pooled}/s   ratio ${(direct / pooled).toFixed(2)}`);
}
for (const c of conns) c.quit();
await mailer.close();
await sink.stop();
