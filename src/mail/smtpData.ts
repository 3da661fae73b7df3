/** The DATA part of an SMTP transaction, built per recipient without copying the message. */

const DOT = 0x2e;
const LINE_END_DOTS = [Buffer.from('\n.'), Buffer.from('\r.')];
const ONE_DOT = Buffer.from('.');
const END_AFTER_CRLF = Buffer.from('.\r\n');
const END = Buffer.from('\r\n.\r\n');

/**
 * What goes after DATA, as pieces for one gathered write (no copy of the
 * message): the message dot-stuffed, then the terminating dot. Messages arrive
 * with CRLF line ends (the Mailer contract; both message builders guarantee
 * it, and test/mail/smtpSession.test.ts checks them), so no per-recipient pass
 * looks for bare ones. A dot is doubled after a CR as well as after an LF:
 * whatever a receiver takes for a line end, no line of the message can look
 * like the end of the data (SMTP smuggling). `noLineStartsWithDot` skips the
 * search when the builder guarantees there is nothing to double.
 */
export function toSmtpData(raw: Buffer | string, opts: { noLineStartsWithDot?: boolean } = {}): Buffer[] {
  const src = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const crlfEnded = src.length >= 2 && src[src.length - 2] === 13 && src[src.length - 1] === 10;
  const tail = crlfEnded ? END_AFTER_CRLF : END;
  if (opts.noLineStartsWithDot) return [src, tail];
  const dots: number[] = src[0] === DOT ? [0] : [];
  for (const lineEndDot of LINE_END_DOTS) {
    for (let i = src.indexOf(lineEndDot); i !== -1; i = src.indexOf(lineEndDot, i + 1)) dots.push(i + 1);
  }
  dots.sort((x, y) => x - y);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const d of dots) {
    if (d > from) pieces.push(src.subarray(from, d));
    pieces.push(ONE_DOT);
    from = d;
  }
  if (from < src.length) pieces.push(src.subarray(from));
  pieces.push(tail);
  return pieces;
}
