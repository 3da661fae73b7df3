import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from './mailer.ts';
import { createOutboxMailer } from './outboxMailer.ts';
import { createSmtpMailer } from './smtpMailer.ts';

/** SMTP (Nodemailer) when SMTP_URL is set, otherwise the development outbox. */
export function createMailer(config: Config, logger: Logger, opts: { poolSize?: number } = {}): Mailer {
  if (config.mail.smtpUrl) return createSmtpMailer(config, config.mail.smtpUrl, opts.poolSize);
  return createOutboxMailer(config.mail.outboxDir, (path) => logger.info({ path }, 'mail written to outbox'));
}
