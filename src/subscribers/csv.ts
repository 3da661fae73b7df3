import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { normalizeAddress } from './address.ts';
import type { Subscriber } from './model.ts';
import { cadenceCell, parseCadence, type CadenceSetting } from '../cadence/model.ts';
import { canonicalTimeZone } from '../cadence/time.ts';

export interface ImportRow {
  line: number;
  email: string;
  name: string;
  topics: string[];
  consent: string;
  /** Absent when the file has no cadence column or the cell is empty: a reader's stays as it is. */
  cadence?: CadenceSetting;
  /** Likewise for a `timeZone` column (an IANA name). */
  timeZone?: string;
}

export interface ParsedImport {
  rows: ImportRow[];
  errors: { line: number; message: string }[];
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * A spreadsheet reads a cell that starts with `=`, `+`, `-`, `@`, tab or CR as
 * a formula, so a signup name like `=HYPERLINK(…)` would be live in the
 * editor's sheet. OWASP's advice: start such a cell with `'`, which
 * spreadsheets read as "this is text". Cells that already start with
 * apostrophes before one of those get one more, so the import can take
 * exactly one off again: `-x@example.org` and `'-x@example.org` both survive
 * an export and re-import unchanged.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;

export const neutralizeFormula = (cell: string) => (FORMULA_START.test(cell) ? `'${cell}` : cell);

const restoreFormula = (cell: string) => (cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell);

/**
 * Reads an import: a header row, then `email` (required), `name`, `topics`
 * ("|"-separated), `consent`, `cadence` (`instant`, `daily`, or
 * `Russia=daily|Ukraine=instant`) and `timeZone` (an IANA name). Every row is
 * checked before anything is written, so a bad row is reported and never
 * half-stored.
 */
export function parseImportCsv(text: string, topics: readonly string[]): ParsedImport {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true, max_record_size: 10_000 }) as string[][];
  } catch (e) {
    const line = (e as { lines?: number }).lines ?? 1;
    return { rows: [], errors: [{ line, message: `the CSV could not be read: ${(e as Error).message.split('\n')[0]}` }] };
  }
  const [header, ...body] = records;
  const cols = (header ?? []).map((h) => h.toLowerCase());
  if (!cols.includes('email')) return { rows: [], errors: [{ line: 1, message: 'the header row needs an "email" column' }] };
  const at = (r: string[], c: string) => restoreFormula(cols.indexOf(c) >= 0 ? (r[cols.indexOf(c)] ?? '') : '');
  const known = new Set(topics);
  const rows: ImportRow[] = [];
  const errors: ParsedImport['errors'] = [];
  const seen = new Set<string>();
  body.forEach((r, i) => {
    const line = i + 2;
    const address = normalizeAddress(at(r, 'email'));
    if (!address.ok) return errors.push({ line, message: `email ${address.message}` });
    if (seen.has(address.address)) return errors.push({ line, message: 'email appears twice in this file' });
    const name = at(r, 'name');
    const consent = at(r, 'consent');
    if (CONTROL.test(name) || name.length > 200) return errors.push({ line, message: 'name is too long or has control characters' });
    if (CONTROL.test(consent) || consent.length > 500) return errors.push({ line, message: 'consent is too long or has control characters' });
    const picked = at(r, 'topics').split('|').map((t) => t.trim()).filter(Boolean);
    const unknown = picked.filter((t) => !known.has(t));
    if (unknown.length) return errors.push({ line, message: `unknown topics: ${unknown.join(', ')}` });
    const cadenceText = at(r, 'cadence');
    const cadence = cadenceText ? parseCadence(cadenceText, topics) : undefined;
    if (cadence && !cadence.ok) return errors.push({ line, message: `cadence ${cadence.message}` });
    const zoneText = at(r, 'timezone');
    const timeZone = zoneText ? canonicalTimeZone(zoneText) : undefined;
    if (timeZone === null) return errors.push({ line, message: 'timeZone must be an IANA time zone name, such as Europe/Paris' });
    seen.add(address.address);
    rows.push({ line, email: address.address, name, topics: [...new Set(picked)], consent, ...(cadence?.ok ? { cadence: cadence.value } : {}), ...(timeZone ? { timeZone } : {}) });
  });
  return { rows, errors };
}

/**
 * The export's columns. `delivery`: also `cadence` and `timeZone` (an empty
 * zone is DIGEST_TIME_ZONE). The caller asks for them when any reader has a
 * cadence or zone of their own, so a list where every reader takes every
 * alert at once in the default zone exports as it always has.
 */
export function exportCsvHeader(opts: { delivery?: boolean } = {}): string {
  return stringify([['email', 'name', 'topics', 'consent', 'status', ...(opts.delivery ? ['cadence', 'timeZone'] : [])]]);
}

export function exportCsvRows(subscribers: Subscriber[], consentOf: (s: Subscriber, index: number) => string, opts: { delivery?: boolean } = {}): string {
  return stringify(
    subscribers.map((s, i) =>
      [s.email, s.name, s.topics.join('|'), consentOf(s, i), s.status, ...(opts.delivery ? [cadenceCell(s.cadence ?? 'instant'), s.timeZone ?? ''] : [])].map(neutralizeFormula),
    ),
  );
}
