import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { startSink } from './lib/infra.ts';
import { seedMessage, recipientFields } from './lib/brief.ts';
import { renderBulkMessage } from '../src/dispatch/bulkMessage.ts';
import { createSmtpMailer } from '../src/mail/smtpMailer.ts';
import { loadConfig } from '../src/config.ts';
const sink = await startSink();
const m = await seedMessage();
const N = 5000, C = 10;
const conns = await Promise.all(Array.from({ length: C }, () => new Promise<any>((res, rej) => {
  const c = new (SMTPConnection as any)({ port: sink.port, host: '127.0.0.1' });
  c.connect(() => res(c)); c.once('error', rej);
})));
const mailer = createSmtpMailer(loadConfig({ SMTP_URL: sink.url, SMTP_POOL_SIZE: String(C) }));
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now(); let next = 0;
  await Promise.all(conns.map(async (c) => { while (next < N) { const i = next++;
    const raw = renderBulkMessage(m.template, recipientFields(`r${i}@bench.example.org`, i));
    await new Promise<void>((res, rej) => c.send({ from: 'alerts@briefwire.localhost', to: [`r${i}@bench.example.org`] }, raw, (e: Error | null) => e ? rej(e) : res())); } }));
  const a = N * 1000 / (performance.now() - t0);
  t0 = performance.now(); next = 0;
  await Promise.all(Array.from({ length: C * 2 }, async () => { while (next < N) { const i = next++;
    const raw = renderBulkMessage(m.template, recipientFields(`r${i}@bench.example.org`, i));
    await mailer.send({ from: 'alerts@briefwire.localhost', to: `r${i}@bench.example.org`, raw }); } }));
  const b = N * 1000 / (performance.now() - t0);
  console.log(`SMTPConnection direct ${Math.round(a)}/s   smtpMailer (pooled sendMail raw) ${Math.round(b)}/s`);
}
for (const c of conns) c.quit();
await mailer.close(); await sink.stop();
