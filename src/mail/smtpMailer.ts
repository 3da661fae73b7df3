import DKIM from 'nodemailer/lib/dkim';
import type { Config } from '../config.ts';
import type { Mailer, MailSendError } from './mailer.ts';
import { SmtpPool } from './smtpPool.ts';
import { toSmtpData } from './smtpData.ts';
import { SmtpSession } from './smtpSession.ts';
import { parseSmtpUrl } from './smtpTarget.ts';

/**
 * Pooled SMTP for messages that arrive fully built. Nodemailer's transport
 * would rebuild each one (MailComposer, stream transforms) and, after a
 * dropped connection, quietly send it again; this pool does neither: it
 * writes the bytes and reports every failure to the caller, whose delivery
 * ledger decides. Nodemailer's DKIM signer is kept for signing.
 */

// The signer's default list leaves out List-Unsubscribe-Post; providers want both signed.
const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

type Signer = (raw: Buffer | string) => Promise<Buffer>;

function dkimSigner(dkim: NonNullable<Config['mail']['dkim']>): Signer {
  const signer = new DKIM({ ...dkim, headerFieldNames: DKIM_HEADERS });
  return async (raw) => {
    const chunks: Buffer[] = [];
    for await (const c of signer.sign(raw)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
}

/** A connection that fails before any byte of the message left is safe to give up on and try once more. */
const retryable = (err: MailSendError) => !err.dataHandedOver && !err.responseCode && err.code !== 'EENVELOPE';

export function createSmtpMailer(config: Config, url = config.mail.smtpUrl, poolSize = config.mail.poolSize): Mailer {
  if (!url) throw new Error('SMTP_URL is not set');
  const target = parseSmtpUrl(url, config.mail.timeoutMs);
  const pool = new SmtpPool(target, poolSize);
  const sign = config.mail.dkim ? dkimSigner(config.mail.dkim) : null;

  return {
    kind: 'smtp',
    async send({ from, to, raw, noLineStartsWithDot }) {
      // A DKIM signature is one more header (folded lines start with whitespace): the guarantee still holds.
      const data = toSmtpData(sign ? await sign(raw) : raw, { noLineStartsWithDot });
      for (let attempt = 1; ; attempt++) {
        const session = await pool.acquire();
        const reused = session.sent > 0;
        try {
          const response = await session.send(from, to, data);
          return { response };
        } catch (e) {
          const err = e as MailSendError;
          // A pooled connection the server dropped while it sat idle: nothing of this message reached it.
          if (reused && attempt === 1 && retryable(err)) continue;
          throw err;
        } finally {
          pool.release(session);
        }
      }
    },
    async verify() {
      const session = await SmtpSession.open(target);
      await session.quit();
    },
    async close() {
      await pool.close();
    },
  };
}
