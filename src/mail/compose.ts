import type MailComposer from 'nodemailer/lib/mail-composer';
import { lazyModule } from '../lazyModule.ts';

export interface ComposeInput {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers?: Record<string, string>;
}

// MailComposer leaves 7bit bodies as they are; the mailer sends bytes as they are (CRLF only).
const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');

/**
 * MIME for a one-off message (a confirmation, a feed notice): built per
 * message, which is fine at their volume. A brief never comes through here,
 * not even a test copy: those are built once with holes (src/dispatch/bulkMessage.ts).
 * Values pass through Nodemailer's header encoding; nothing user-supplied goes
 * in as a prepared (unsanitised) header.
 */
// Loaded with the first one-off message: a worker that sends none does not hold it.
const loadComposer = lazyModule<typeof MailComposer>(
  () => import('nodemailer/lib/mail-composer').then((m) => m.default),
  (e) => new Error(`could not load nodemailer's message composer: ${e.message}`, { cause: e }),
);

export async function composeMessage(input: ComposeInput): Promise<Buffer> {
  const Composer = await loadComposer();
  const composer = new Composer({
    from: input.from,
    to: input.to,
    subject: input.subject,
    html: crlf(input.html),
    text: crlf(input.text),
    headers: input.headers,
    textEncoding: 'quoted-printable',
  });
  return new Promise((resolve, reject) => {
    composer.compile().build((err: Error | null, message: Buffer) => (err ? reject(err) : resolve(message)));
  });
}
