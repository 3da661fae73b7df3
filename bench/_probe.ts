import { startRedis, startSink } from './lib/infra.ts';
import { seedMessage, recipientFields } from './lib/brief.ts';
import { renderBulkMessage } from '../src/dispatch/bulkMessage.ts';
import { createSmtpMailer } from '../src/mail/smtpMailer.ts';
import { loadConfig } from '../src/config.ts';
const redis = await startRedis();
const sink = await startSink();
const m = await seedMessage();
const N = 5000;
for (const pool of [10]) {
  const config = loadConfig({ SMTP_URL: sink.url, SMTP_POOL_SIZE: String(pool) });
  const mailer = createSmtpMailer(config);
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: pool * 2 }, async () => {
      while (next < N) {
        const i = next++;
        const raw = renderBulkMessage(m.template, recipientFields(`r${i}@bench.example.org`, i));
        await mailer.send({ from: 'alerts@briefwire.localhost', to: `r${i}@bench.example.org`, raw });
      }
    }));
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage();
    console.log(`smtpMailer raw pool=${pool}: ${Math.round(N * 1000 / ms)}/s`);
  }
  await mailer.close();
}
await sink.stop(); await redis.stop();
