import { addressOf, field, fieldGroups, oneLine, typedValue } from './fields.ts';
import { classifyFailure } from './status.ts';
import type { ReportedRecipient } from './types.ts';

/**
 * RFC 3464 delivery status: a `message/delivery-status` body is one
 * per-message field group (Reporting-MTA, Arrival-Date, …) and then one group
 * per recipient (Final-Recipient, Original-Recipient, Action, Status,
 * Remote-MTA, Diagnostic-Code), separated by blank lines.
 */

export interface DeliveryStatus {
  reportingMta?: string;
  arrivalDate?: string;
  recipients: ReportedRecipient[];
}

/** The enhanced status a Status field starts with ("5.1.1 (user unknown)" → "5.1.1"). */
function statusOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const token = value.trim().split(/[\s(]/, 1)[0]!;
  const parts = token.split('.');
  if (parts.length !== 3 || !['2', '4', '5'].includes(parts[0]!)) return undefined;
  if (!parts.every((p) => p.length >= 1 && p.length <= 3 && [...p].every((c) => c >= '0' && c <= '9'))) return undefined;
  return parts.map((p) => String(Number(p))).join('.');
}

export function readDeliveryStatus(body: string, maxRecipients: number, maxChars: number): DeliveryStatus {
  const groups = fieldGroups(body, maxRecipients + 1, { maxChars, maxFields: 20 * (maxRecipients + 1), maxValueChars: 2000 });
  const out: DeliveryStatus = { recipients: [] };
  for (const group of groups) {
    const final = field(group, 'final-recipient');
    const original = field(group, 'original-recipient');
    if (!final && !original) {
      // The per-message group (or a stray block with no recipient in it).
      out.reportingMta ??= typedValue(field(group, 'reporting-mta'));
      out.arrivalDate ??= field(group, 'arrival-date');
      continue;
    }
    if (out.recipients.length >= maxRecipients) break;
    const address = addressOf(final) ?? addressOf(original);
    const originalAddress = addressOf(original);
    const action = field(group, 'action')?.toLowerCase().split(/[\s(]/, 1)[0];
    const status = statusOf(field(group, 'status'));
    const diagnosticField = field(group, 'diagnostic-code');
    const diagnostic = diagnosticField ? oneLine(typedValue(diagnosticField) ?? diagnosticField) : undefined;
    const remoteMta = typedValue(field(group, 'remote-mta'));
    const c = classifyFailure({ status, diagnostic, action });
    const r: ReportedRecipient = { kind: c.kind };
    if (address) r.address = address;
    if (originalAddress && originalAddress !== address) r.originalAddress = originalAddress;
    // The DSN's own status as written; the classification may have used a more specific one from the diagnostic.
    const shown = status ?? c.status;
    if (shown) r.status = shown;
    if (action) r.action = action;
    if (diagnostic) r.diagnostic = diagnostic;
    if (remoteMta) r.remoteMta = oneLine(remoteMta, 255);
    if (c.reason && (c.kind === 'hard-bounce' || c.kind === 'soft-bounce')) r.reason = c.reason;
    out.recipients.push(r);
  }
  return out;
}
