/**
 * A small reader for header-style field blocks: the `message/delivery-status`
 * and `message/feedback-report` bodies (RFC 3464 §2.1, RFC 5965 §3.1 use the
 * RFC 5322 field syntax) and the header block of a returned message.
 *
 * - `Name: value`, names compared lower-cased;
 * - a line starting with a space or tab continues the field before it;
 * - in a DSN a blank line separates the per-message group from each
 *   per-recipient group.
 *
 * Everything is capped (characters read, fields kept, length of one value) and
 * done with indexOf and line splitting: no regex runs over the untrusted text.
 */

export type Fields = Array<[name: string, value: string]>;

export interface FieldLimits {
  maxChars: number;
  maxFields: number;
  maxValueChars: number;
}

const DEFAULT_FIELD_LIMITS: FieldLimits = { maxChars: 64 * 1024, maxFields: 300, maxValueChars: 4000 };

function lines(text: string, maxChars: number): string[] {
  return text.slice(0, maxChars).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

const isContinuation = (line: string) => line.length > 0 && (line[0] === ' ' || line[0] === '\t');
const isBlank = (line: string) => line.trim().length === 0;

/** `Name: value` → [name, value], or null when the line is not a field (no colon, or a name with spaces). */
function splitField(line: string): [string, string] | null {
  const colon = line.indexOf(':');
  if (colon <= 0 || colon > 76) return null;
  const name = line.slice(0, colon).trim();
  if (!name || name.includes(' ') || name.includes('\t')) return null;
  return [name.toLowerCase(), line.slice(colon + 1).trim()];
}

/**
 * Groups of fields separated by blank lines. Stops at a line that is neither a
 * field nor a continuation, or at the caps.
 */
export function fieldGroups(text: string, maxGroups: number, limits: FieldLimits = DEFAULT_FIELD_LIMITS): Fields[] {
  const groups: Fields[] = [];
  let current: Fields = [];
  let total = 0;
  for (const line of lines(text, limits.maxChars)) {
    if (isBlank(line)) {
      if (current.length) groups.push(current);
      current = [];
      if (groups.length >= maxGroups) break;
      continue;
    }
    const last = current[current.length - 1];
    if (isContinuation(line) && last) {
      if (last[1].length < limits.maxValueChars) last[1] = `${last[1]} ${line.trim()}`.slice(0, limits.maxValueChars);
      continue;
    }
    const field = splitField(line);
    if (!field) break;
    if (++total > limits.maxFields) break;
    field[1] = field[1].slice(0, limits.maxValueChars);
    current.push(field);
  }
  if (current.length && groups.length < maxGroups) groups.push(current);
  return groups;
}

/** One header block: the fields up to the first blank line (leading blank lines skipped). */
export function headerBlock(text: string, limits: FieldLimits = DEFAULT_FIELD_LIMITS): Fields {
  let start = 0;
  while (start < text.length && start < limits.maxChars) {
    const nl = text.indexOf('\n', start);
    if (nl < 0 || !isBlank(text.slice(start, nl))) break;
    start = nl + 1;
  }
  return fieldGroups(text.slice(start), 1, limits)[0] ?? [];
}

export function field(fields: Fields, name: string): string | undefined {
  for (const [n, v] of fields) if (n === name) return v;
  return undefined;
}

export function fieldsNamed(fields: Fields, name: string): string[] {
  return fields.filter(([n]) => n === name).map(([, v]) => v);
}

/** `dns; mx.example.org` → `mx.example.org`: the value after its type prefix. */
export function typedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const v = (semi >= 0 ? value.slice(semi + 1) : value).trim();
  return v || undefined;
}

/**
 * A mailbox from a field (`rfc822; User@Example.ORG`, `<user@example.org>`,
 * `Name <user@example.org>`), with the domain lower-cased, or undefined when
 * there is no plausible address.
 */
export function addressOf(value: string | undefined): string | undefined {
  let v = typedValue(value);
  if (!v) return undefined;
  const open = v.lastIndexOf('<');
  const close = v.lastIndexOf('>');
  if (open >= 0 && close > open) v = v.slice(open + 1, close);
  v = v.trim();
  if (v.toLowerCase().startsWith('mailto:')) v = v.slice(7);
  return plainAddress(v);
}

/** `local@domain` with no spaces or brackets, at most 254 characters; the domain lower-cased. */
export function plainAddress(v: string): string | undefined {
  if (v.length < 3 || v.length > 254) return undefined;
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return undefined;
  for (const ch of v) {
    if (ch <= ' ' || ch === '<' || ch === '>' || ch === '(' || ch === ')' || ch === ',' || ch === '"' || ch === '[' || ch === ']') return undefined;
  }
  const domain = v.slice(at + 1);
  if (domain.includes('@') || domain.startsWith('.') || domain.endsWith('.')) return undefined;
  return `${v.slice(0, at)}@${domain.toLowerCase()}`;
}

/** A header value as one line: folds joined, control characters dropped, capped. */
export function oneLine(value: string, max = 1000): string {
  let out = '';
  let space = false;
  for (const ch of value.slice(0, max * 4)) {
    const c = ch.charCodeAt(0);
    if (c < 32 || c === 127) {
      space = out.length > 0;
      continue;
    }
    if (ch === ' ') {
      space = out.length > 0;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
    if (out.length >= max) break;
  }
  return out;
}
