import type { ParseLimits, UnreadableReason } from './types.ts';

/**
 * Bounds for reading untrusted mail. A bounce is small (a notice, a status
 * block, the returned message or its headers); anything far past these is not
 * a report we need to read, and is kept for an operator instead.
 */
export const DEFAULT_LIMITS: ParseLimits = {
  maxBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 256 * 1024,
  maxParts: 200,
  maxBoundaries: 32,
  maxRecipients: 50,
  maxTextChars: 256 * 1024,
};

export function limitsWith(overrides: Partial<ParseLimits> = {}): ParseLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** Where the top-level header block ends (the blank line), or -1 within the first `limit` bytes. */
function headerEnd(raw: Buffer, limit: number): number {
  const window = raw.subarray(0, Math.min(raw.length, limit + 4));
  const lf = window.indexOf('\n\n');
  const crlf = window.indexOf('\r\n\r\n');
  if (lf < 0) return crlf;
  if (crlf < 0) return lf;
  return Math.min(lf, crlf);
}

/** How many times `needle` starts a line, stopping once past `cap`. */
function countLineStarts(raw: Buffer, needle: string, cap: number): number {
  let count = 0;
  if (raw.subarray(0, needle.length).toString('latin1') === needle) count++;
  const search = `\n${needle}`;
  let at = raw.indexOf(search);
  while (at >= 0 && count <= cap) {
    count++;
    at = raw.indexOf(search, at + search.length);
  }
  return count;
}

/**
 * Checks on the raw bytes before the MIME parser sees them, all single linear
 * scans: size, the top header block, and the multipart shape. The MIME parser
 * has its own per-part header and part-count limits; these make the refusal
 * cheap and say why.
 */
export function precheck(raw: Buffer, limits: ParseLimits): UnreadableReason | null {
  if (raw.length > limits.maxBytes) return 'too-large';
  if (raw.length > limits.maxHeaderBytes && headerEnd(raw, limits.maxHeaderBytes) < 0) return 'header-too-large';
  // Every multipart level declares a boundary; counting the declarations bounds the depth
  // from above without parsing (a returned message's own parts count too, so the cap is generous).
  const text = raw.toString('latin1');
  let declarations = 0;
  const boundary = /boundary\s*=/gi;
  while (boundary.exec(text) && declarations <= limits.maxBoundaries) declarations++;
  if (declarations > limits.maxBoundaries) return 'too-deep';
  // A part starts at a line beginning with "--"; signatures ("-- ") and rules count too, so
  // allow several such lines per part before calling it too many.
  if (countLineStarts(raw, '--', limits.maxParts * 4) > limits.maxParts * 4) return 'too-many-parts';
  return null;
}
