import { randomBytes } from 'node:crypto';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { encodeWords, foldLines } from 'nodemailer/lib/mime-funcs';
import addressparser from 'nodemailer/lib/addressparser';
import type { CompiledBrief, SlotName } from '../briefs/compile.ts';
import { interleave, prepareSplice, type SpliceParts } from '../briefs/splice.ts';
import { oneLine, prepareCompiled, slotValue, type BodyPart } from '../briefs/personalize.ts';

/**
 * The message a brief goes out as, MIME-encoded once with holes for the
 * personal parts: once per dispatch for readers, once per request for an
 * editor's test copies, so a test copy is the readers' message byte for byte
 * but for the personal values. Per recipient we only encode a few short values
 * and join.
 *
 * Quoted-printable is line-oriented (76 columns), so a hole must not shift the
 * text after it: every static segment is encoded on its own and ends with a
 * soft line break, and every value is encoded and wrapped on its own and ends
 * with one too. Each segment therefore starts at column 0 whatever was spliced
 * before it, and the encoded static text never changes.
 */
export interface RecipientFields {
  /** The envelope recipient: goes in To: exactly as normalized. */
  to: string;
  messageId: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
}

type Hole = 'to' | 'messageId' | 'listUnsubscribe' | `${BodyPart}.${SlotName}`;

/** Stored as JSON per dispatch (the deliverer loads it once per process), so plain data only. */
export interface PrebuiltMessage {
  splice: SpliceParts;
  /** Envelope sender. */
  from: string;
  /** Right-hand side of Message-IDs. */
  domain: string;
  /**
   * Random per dispatch, in every Message-ID (`<dispatch.subscriber.tag@domain>`): ids stay
   * unique after a Redis reset, and across deployments that share a sender domain.
   */
  idTag?: string;
}

function formatMailbox(input: string): { header: string; address: string } {
  const parsed = addressparser(input, { flatten: true })[0];
  const address = parsed?.address ?? input;
  const name = (parsed?.name ?? '').replace(/[\r\n]/g, ' ').trim();
  if (!name) return { header: address, address };
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/(["\\])/g, '\\$1')}"` : encodeWords(name, 'Q', 52);
  return { header: `${display} <${address}>`, address };
}

/**
 * No line of the message starts with a dot (QP may write one as =2E), so
 * Nodemailer's dot-stuffing finds nothing to double and passes each 35 KB copy
 * on without copying it. Segments and values all start at a line start.
 * Lines are wrapped at 73 so that the two extra characters and a closing soft
 * break keep them within QP's 76.
 */
const noLeadingDots = (qp: string) => qp.replace(/(^|\n)\./g, '$1=2E');

/** QP-encode one segment so that it can start at column 0 and be followed by anything. */
function qpSegment(text: string, last: boolean): string {
  // Every line end becomes CRLF, lone CRs included: the mailer sends these bytes as they are.
  const encoded = noLeadingDots(qpWrap(qpEncode(text.replace(/\r\n|\r|\n/g, '\r\n')), 73));
  return last ? encoded : `${encoded}=\r\n`;
}

/** Encode a spliced value: QP with soft breaks, ending on a soft break (see qpSegment). */
function qpValue(value: string): string {
  return `${noLeadingDots(qpWrap(qpEncode(value), 73))}=\r\n`;
}

export interface BuildOptions {
  from: string;
  listId: string;
  date: Date;
  /** Put before the subject: `[TEST] ` marks an editor's test copy. */
  subjectPrefix?: string;
}

export function buildBulkMessage(compiled: CompiledBrief, opts: BuildOptions): PrebuiltMessage {
  const from = formatMailbox(opts.from);
  const domain = from.address.split('@')[1] ?? 'briefwire.localhost';
  const boundary = `----bw-${randomBytes(12).toString('hex')}`;
  const hole = (name: Hole) => `\u0000${name}\u0000`;

  const prepared = prepareCompiled(compiled);
  const bodyPart = (kind: BodyPart) => {
    const split = prepared[kind];
    return split.parts.map((part, i) => qpSegment(part, i === split.parts.length - 1) + (i < split.names.length ? hole(`${kind}.${split.names[i] as SlotName}`) : '')).join('');
  };

  const subject = `${opts.subjectPrefix ?? ''}${prepared.subject}`.replace(/[\r\n]+/g, ' ');
  const headers = [
    `From: ${from.header}`,
    `To: ${hole('to')}`,
    foldLines(`Subject: ${encodeWords(subject, 'Q', 52)}`, 76),
    `Date: ${opts.date.toUTCString().replace(/GMT$/, '+0000')}`,
    `Message-ID: <${hole('messageId')}>`,
    `List-Id: ${opts.listId.replace(/[\r\n]+/g, ' ')}`,
    // One unfolded line: providers (and DKIM) want the URL whole.
    `List-Unsubscribe: <${hole('listUnsubscribe')}>`,
    'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    'Precedence: bulk',
    'Auto-Submitted: auto-generated',
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ].join('\r\n');

  const raw = [
    headers,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    bodyPart('text'),
    `--${boundary}`,
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    bodyPart('html'),
    `--${boundary}--`,
    '',
  ].join('\r\n');

  const holes: Record<string, string> = {};
  for (const name of ['to', 'messageId', 'listUnsubscribe'] as Hole[]) holes[name] = hole(name);
  for (const slot of Object.keys(compiled.slots) as SlotName[]) {
    holes[`html.${slot}`] = hole(`html.${slot}`);
    holes[`text.${slot}`] = hole(`text.${slot}`);
  }
  return { splice: prepareSplice(raw, holes), from: from.address, domain, idTag: randomBytes(5).toString('hex') };
}

/** The static parts as bytes, encoded once per message object (the deliverer caches one per dispatch). */
const partBytes = new WeakMap<PrebuiltMessage, Buffer[]>();
function staticBytes(message: PrebuiltMessage): Buffer[] {
  let parts = partBytes.get(message);
  if (!parts) partBytes.set(message, (parts = message.splice.parts.map((p) => Buffer.from(p, 'utf8'))));
  return parts;
}

/**
 * Per recipient: a handful of short encodes and one copy into the message's
 * bytes. Given a scratch holder, the copy goes into its buffer (grown, with
 * room for longer addresses, when it does not fit), which the holder keeps: a
 * send loop then allocates no ~35 KB buffer per recipient, which the worker's
 * peak memory and GC time both paid for. The caller must clear the holder
 * while the transport may still read the returned bytes.
 */
export function renderBulkMessage(message: PrebuiltMessage, fields: RecipientFields, scratch?: { buffer?: Buffer }): Buffer {
  const r = { to: oneLine(fields.to), messageId: oneLine(fields.messageId), unsubscribeUrl: oneLine(fields.unsubscribeUrl), preferencesUrl: oneLine(fields.preferencesUrl) };
  const slotValues: Record<SlotName, string> = { unsubscribeUrl: r.unsubscribeUrl, preferencesUrl: r.preferencesUrl, email: r.to };
  const values: Record<string, Buffer> = { to: Buffer.from(r.to), messageId: Buffer.from(r.messageId), listUnsubscribe: Buffer.from(r.unsubscribeUrl) };
  for (const name of message.splice.names) {
    if (values[name] !== undefined) continue;
    const [kind, slot] = name.split('.') as [BodyPart, SlotName];
    values[name] = Buffer.from(qpValue(slotValue(kind, slotValues[slot])), 'utf8');
  }
  const chunks = interleave(staticBytes(message), message.splice.names, values);
  let total = 0;
  for (const c of chunks) total += c.length;
  if (!scratch) return Buffer.concat(chunks, total);
  if (!scratch.buffer || scratch.buffer.length < total) scratch.buffer = Buffer.allocUnsafeSlow(total + 1024);
  let at = 0;
  for (const c of chunks) at += c.copy(scratch.buffer, at);
  return scratch.buffer.subarray(0, total);
}
