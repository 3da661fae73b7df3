import type DKIM from 'nodemailer/lib/dkim';
import type { Config } from '../config.ts';
import type { Mailer, MailerHealth, MailSendError } from './mailer.ts';
import { SmtpPool } from './smtpPool.ts';
import { classifySmtpFailure, describeSmtpFailure } from './smtpFailure.ts';
import { parseSmtpUrl } from './smtpTarget.ts';
import { lazyModule } from '../lazyModule.ts';

/**
 * Pre-built messages over a small pool of Nodemailer SMTPConnections.
 * Nodemailer's pooled transport would re-compose each message and, after a
 * dropped connection, could send it again on its own; this pool hands the
 * bytes to SMTPConnection as they are and reports every failure, typed by
 * phase, to the caller, whose delivery ledger decides. README: "Sending".
 */

// The signer's default list leaves out List-Unsubscribe-Post; providers want both signed.
const DKIM_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

type Signer = (raw: Buffer | string) => Promise<Buffer>;

function dkimSigner(dkim: NonNullable<Config['mail']['dkim']>): Signer {
  // Nodemailer's signer loads with the first message signed, not when the worker starts.
  const load = lazyModule<DKIM>(
    () => import('nodemailer/lib/dkim').then((m) => new m.default({ ...dkim, headerFieldNames: DKIM_HEADERS })),
    (e) => new Error(`could not load nodemailer's DKIM signer: ${e.message}`, { cause: e }),
  );
  return async (raw) => {
    const signing = (await load()).sign(raw);
    const chunks: Buffer[] = [];
    for await (const c of signing) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
}

/**
 * A reused connection the server dropped while it sat idle fails before any
 * command of this message got a reply and before a byte of it left: it is safe
 * to try once more on a fresh connection. Nothing else is ever re-sent here.
 */
const staleConnection = (err: MailSendError) => !err.dataHandedOver && !err.responseCode && err.phase === 'mail' && err.code !== 'EENVELOPE';

export function createSmtpMailer(config: Config, url = config.mail.smtpUrl, poolSize = config.mail.poolSize): Mailer {
  if (!url) throw new Error('SMTP_URL is not set');
  const target = parseSmtpUrl(url, config.mail.timeouts);
  const pool = new SmtpPool(target, poolSize);
  const sign = config.mail.dkim ? dkimSigner(config.mail.dkim) : null;
  const health: MailerHealth = { kind: 'smtp', relay: target.label };
  let lastOkMs = 0;

  const noteFailure = (err: MailSendError) => {
    health.lastError = {
      at: new Date().toISOString(),
      phase: err.phase ?? 'connect',
      code: err.code ?? 'SMTP',
      kind: classifySmtpFailure(err),
      reply: describeSmtpFailure(err),
    };
  };

  return {
    kind: 'smtp',
    async send({ from, to, raw }) {
      const data = sign ? await sign(raw) : raw;
      for (let attempt = 1; ; attempt++) {
        let conn;
        try {
          conn = await pool.acquire();
        } catch (e) {
          noteFailure(e as MailSendError);
          throw e;
        }
        const reused = conn.sent > 0;
        try {
          const response = await conn.send(from, to, data);
          // A number per send; it becomes text only when someone asks (health()).
          lastOkMs = Date.now();
          return { response };
        } catch (e) {
          const err = e as MailSendError;
          if (reused && attempt === 1 && staleConnection(err)) continue;
          // A refused recipient says nothing about the relay's health; everything else does.
          if (err.phase !== 'rcpt') noteFailure(err);
          throw err;
        } finally {
          pool.release(conn);
        }
      }
    },
    health: () => ({ ...structuredClone(health), ...(lastOkMs ? { lastOkAt: new Date(lastOkMs).toISOString() } : {}) }),
    close: () => pool.close(),
  };
}
