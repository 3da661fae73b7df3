import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from './mailer.ts';
import { createOutboxMailer } from './outboxMailer.ts';
import { createSmtpMailer } from './smtpMailer.ts';

/** SMTP when SMTP_URL is set, otherwise the development outbox. */
export function createMailer(config: Config, logger: Logger): Mailer {
  if (config.mail.smtpUrl) return createSmtpMailer(config);
  return createOutboxMailer(config.mail.outboxDir, (path) => logger.info({ path }, 'mail written to outbox'));
}
