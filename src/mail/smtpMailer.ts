import { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { Mailer, MailSendError } from './mailer.ts';

/**
 * Pooled SMTP. `maxRequeues: 0`: when a connection drops, Nodemailer would
 * otherwise quietly send the message again on another connection; we want the
 * failure back so the delivery ledger decides. Timeouts sit under the shutdown
 * grace period so a hanging server can never hold a worker past its deadline.
 */
const SLICE_BYTES = 16 * 1024;

export function createSmtpMailer(config: Config, url = config.mail.smtpUrl, poolSize = config.mail.poolSize): Mailer {
  if (!url) throw new Error('SMTP_URL is not set');
  const t = config.mail.timeoutMs;
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: poolSize,
    maxMessages: Infinity,
    maxRequeues: 0,
    connectionTimeout: t,
    greetingTimeout: Math.min(t, 15_000),
    socketTimeout: t,
    dnsTimeout: Math.min(t, 10_000),
    ...(config.mail.dkim
      ? {
          dkim: {
            ...config.mail.dkim,
            // The default list leaves out List-Unsubscribe-Post; providers want both signed.
            headerFieldNames:
              'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post',
          },
        }
      : {}),
  } as Parameters<typeof nodemailer.createTransport>[0]);

  return {
    kind: 'smtp',
    async send({ from, to, raw }) {
      // Wrap the bytes in a stream we watch: if the stream was read to its end
      // before the connection failed, the server may have the whole message.
      // Sliced, so socket backpressure holds the tail back: one big chunk would
      // be "read to its end" the moment DATA starts, and a connection cut
      // mid-message would count as uncertain (never re-sent) instead of a retry.
      let handedOver = false;
      const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
      const slices: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += SLICE_BYTES) slices.push(bytes.subarray(i, i + SLICE_BYTES));
      const stream = Readable.from(slices, { objectMode: false });
      stream.once('end', () => {
        handedOver = true;
      });
      try {
        const info = await transport.sendMail({ envelope: { from, to: [to] }, raw: stream });
        if (info.rejected?.length) {
          const err = new Error(`recipient rejected: ${String(info.response ?? '')}`) as MailSendError;
          const rejected = (info as { rejectedErrors?: MailSendError[] }).rejectedErrors?.[0];
          err.responseCode = rejected?.responseCode ?? 550;
          err.response = rejected?.response ?? String(info.response ?? '');
          err.dataHandedOver = false;
          throw err;
        }
        return { response: String(info.response ?? ''), messageId: info.messageId };
      } catch (e) {
        const err = e as MailSendError;
        if (err.dataHandedOver === undefined) err.dataHandedOver = handedOver;
        throw err;
      }
    },
    async verify() {
      await transport.verify();
    },
    async close() {
      transport.close();
    },
  };
}
