import type { FailureReason, ReportedKind } from './types.ts';

/**
 * Hard or soft: what a failure means for the reader.
 *
 * A hard bounce takes the reader off the list (policy: `bounced`), so it is
 * reserved for "this address does not exist": user or host unknown (5.1.x),
 * moved (5.1.6), disabled (5.2.1). Everything else that failed is soft: the
 * mailbox may be full today, we may be blocked or filtered, a delivery may
 * have expired; the reader is still there.
 *
 * The order of evidence: the RFC 3463 status (the DSN's own, or the first one
 * in the diagnostic when the DSN's is generic), then the diagnostic text. A
 * 5.7.x policy status is soft unless the diagnostic says the user is unknown
 * (providers reject unknown users with 5.7.1 too). A 4.x.x status is always
 * soft, whatever the text says: a "user unknown" that is temporary is a
 * directory lookup that failed.
 */

/** RFC 3463 §3 subject.detail → reason, for permanent (5.x.x) failures. Source: RFC 3463 §3.2–3.9. */
const PERMANENT: Record<string, { kind: 'hard-bounce' | 'soft-bounce' | 'unknown'; reason: FailureReason }> = {
  '1.1': { kind: 'hard-bounce', reason: 'user-unknown' }, // Bad destination mailbox address
  '1.2': { kind: 'hard-bounce', reason: 'host-unknown' }, // Bad destination system address
  '1.3': { kind: 'hard-bounce', reason: 'user-unknown' }, // Bad destination mailbox address syntax
  '1.4': { kind: 'hard-bounce', reason: 'user-unknown' }, // Destination mailbox address ambiguous
  '1.6': { kind: 'hard-bounce', reason: 'moved' }, // Destination mailbox has moved, no forwarding address
  '1.10': { kind: 'hard-bounce', reason: 'user-unknown' }, // Recipient address has null MX (RFC 7505); Microsoft 365 "RecipientNotFound"
  // 1.5 "destination address valid", 1.7/1.8 are about the *sender's* address, 1.9 relayed: not the reader.
  '1.5': { kind: 'unknown', reason: 'other' },
  '1.7': { kind: 'unknown', reason: 'other' },
  '1.8': { kind: 'unknown', reason: 'other' },
  '1.9': { kind: 'unknown', reason: 'other' },
  '2.1': { kind: 'hard-bounce', reason: 'mailbox-disabled' }, // Mailbox disabled (Gmail: "account disabled")
  '2.2': { kind: 'soft-bounce', reason: 'mailbox-full' }, // Mailbox full: the reader is not gone
  '2.3': { kind: 'soft-bounce', reason: 'message-too-large' },
  '3.1': { kind: 'soft-bounce', reason: 'mailbox-full' }, // Mail system full
  '3.4': { kind: 'soft-bounce', reason: 'message-too-large' },
  '4.4': { kind: 'hard-bounce', reason: 'host-unknown' }, // Unable to route (Postfix: "Host or domain name not found", NXDOMAIN)
  '4.7': { kind: 'soft-bounce', reason: 'expired' }, // Delivery time expired
  '6.0': { kind: 'soft-bounce', reason: 'spam-filtered' }, // Other media error: content filters
  '7.1': { kind: 'soft-bounce', reason: 'blocked' }, // Delivery not authorized, message refused
};

/**
 * Diagnostic phrases, matched lower-cased with indexOf. Hard ones say the
 * address does not exist; checked only when the status is missing, generic
 * (X.0.0, 5.5.x protocol) or 5.7.x.
 *
 * | phrase | seen in | source |
 * | --- | --- | --- |
 * | user unknown, unknown user | Postfix local(8), Sendmail, Exim, qmail/vpopmail | sisimai set-of-emails (lhost-postfix, email-sendmail-01, email-qmail-01) |
 * | no such user, no such mailbox, no mailbox here by that name | Exim, Dovecot LMTP, qmail-local | qmail-local.c ("Sorry, no mailbox here by that name. (#5.1.1)"), sisimai Reason::UserUnknown |
 * | does not exist, doesn't exist | Gmail ("The email account that you tried to reach does not exist") | test/mail/smtpFailure.test.ts samples |
 * | mailbox unavailable | Outlook.com ("550 5.5.0 Requested action not taken: mailbox unavailable") | test/mail/smtpFailure.test.ts samples |
 * | recipient not found, recipnotfound, address was not found, not found in the recipient's e-mail system | Exchange 2007+ (RESOLVER.ADR.RecipNotFound) | sisimai email-exchange2007-05 |
 * | unrouteable address, unknown recipient, recipient unknown, invalid recipient, invalid mailbox, user not found, address rejected: user unknown | Exim, Postfix virtual, Sendmail | sisimai Reason::UserUnknown, Exim spec ch. 22 |
 * | doesn't have a * account, account has been disabled, account is disabled | Yahoo ("This user doesn't have a yahoo.com account"), Gmail 5.2.1 | sisimai Rhost::YahooInc, Gmail SMTP error reference |
 * | host or domain name not found, domain not found, no such domain | Postfix smtp(8), Gmail | Postfix bounce texts |
 */
const HARD_PHRASES: Array<[string, FailureReason]> = [
  ['user unknown', 'user-unknown'],
  ['unknown user', 'user-unknown'],
  ['no such user', 'user-unknown'],
  ['no such mailbox', 'user-unknown'],
  ['no mailbox here by that name', 'user-unknown'],
  ['does not exist', 'user-unknown'],
  ["doesn't exist", 'user-unknown'],
  ['mailbox unavailable', 'user-unknown'],
  ['mailbox not found', 'user-unknown'],
  ['recipient not found', 'user-unknown'],
  ['recipnotfound', 'user-unknown'],
  ['address was not found', 'user-unknown'],
  ['unrouteable address', 'user-unknown'],
  ['unknown recipient', 'user-unknown'],
  ['recipient unknown', 'user-unknown'],
  ['invalid recipient', 'user-unknown'],
  ['invalid mailbox', 'user-unknown'],
  ['user not found', 'user-unknown'],
  ["doesn't have a", 'user-unknown'],
  ['account has been disabled', 'mailbox-disabled'],
  ['account is disabled', 'mailbox-disabled'],
  ['host or domain name not found', 'host-unknown'],
  ['domain not found', 'host-unknown'],
  ['no such domain', 'host-unknown'],
];

/**
 * Soft phrases, for a reason when the status gives none. Same sources: sisimai
 * Reason::MailboxFull / Blocked / SpamDetected / Expired, and the Postfix,
 * Gmail and Yahoo texts in the fixtures.
 */
const SOFT_PHRASES: Array<[string, FailureReason]> = [
  ['mailbox full', 'mailbox-full'],
  ['mailbox is full', 'mailbox-full'],
  ['full mailbox', 'mailbox-full'],
  ['over quota', 'mailbox-full'],
  ['quota exceeded', 'mailbox-full'],
  ['exceeded storage allocation', 'mailbox-full'],
  ['insufficient system storage', 'mailbox-full'],
  ['spam', 'spam-filtered'],
  ['blacklist', 'blocked'],
  ['blocklist', 'blocked'],
  ['block list', 'blocked'],
  ['blocked', 'blocked'],
  ['policy', 'policy'],
  ['not accepted', 'policy'],
  ['expired', 'expired'],
  ['could not be delivered for', 'expired'],
  ['timed out', 'network'],
  ['connection refused', 'network'],
];

function phrase(diagnostic: string | undefined, table: Array<[string, FailureReason]>): FailureReason | undefined {
  if (!diagnostic) return undefined;
  const text = diagnostic.slice(0, 2000).toLowerCase();
  for (const [needle, reason] of table) if (text.includes(needle)) return reason;
  return undefined;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

/**
 * The first RFC 3463 status in a text ("550 5.1.1 <x>… User unknown",
 * "(#5.5.0)"), not part of a longer dotted number such as an IP address.
 */
export function findEnhancedStatus(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const m = /(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?!\d|\.\d)/.exec(text.slice(0, 4000));
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** The SMTP reply code a diagnostic starts with or quotes first ("552 …"), if any. */
export function findReplyCode(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.slice(0, 4000);
  for (let i = 0; i + 3 <= t.length; i++) {
    if ((t[i] === '4' || t[i] === '5') && isDigit(t[i + 1]) && isDigit(t[i + 2]) && !isDigit(t[i - 1]) && !isDigit(t[i + 3]) && t[i - 1] !== '.' && t[i + 3] !== '.') {
      return Number(t.slice(i, i + 3));
    }
  }
  return undefined;
}

/** X.0.0 and 5.5.x (protocol) say nothing about the mailbox: the diagnostic has to. */
const isGeneric = (status: string) => {
  const [, subject, detail] = status.split('.');
  return (subject === '0' && detail === '0') || subject === '5';
};

export interface Classification {
  kind: ReportedKind;
  reason?: FailureReason;
  /** The status the classification rests on (the DSN's, or a more specific one from the diagnostic). */
  status?: string;
}

/**
 * What one failed recipient means. `action` is the DSN Action; anything but
 * `failed` (delayed, delivered, relayed, expanded) is not a bounce. Without an
 * action (non-standard bounces) the text is the only evidence.
 */
export function classifyFailure(input: { status?: string; diagnostic?: string; action?: string }): Classification {
  const action = input.action?.toLowerCase();
  if (action && action !== 'failed') return { kind: 'unknown', status: input.status };
  let status = input.status;
  const fromText = findEnhancedStatus(input.diagnostic);
  if ((!status || isGeneric(status)) && fromText && !isGeneric(fromText)) status = fromText;
  else if (!status) status = fromText;
  const hard = phrase(input.diagnostic, HARD_PHRASES);
  const soft = phrase(input.diagnostic, SOFT_PHRASES);

  if (status?.startsWith('2.')) return { kind: 'unknown', status };
  if (status?.startsWith('4.')) return { kind: 'soft-bounce', status, reason: softReason(status) ?? soft ?? 'other' };
  if (status?.startsWith('5.')) {
    const [, subject, detail] = status.split('.');
    if (subject === '7') return hard ? { kind: 'hard-bounce', status, reason: hard } : { kind: 'soft-bounce', status, reason: soft ?? 'policy' };
    if (isGeneric(status)) return fromWords(hard, soft, status, input.diagnostic);
    const known = PERMANENT[`${subject}.${detail}`];
    if (known) return { kind: known.kind, status, reason: known.reason };
    // Another 5.x.x (5.3.x mail system, 5.4.x routing, 5.6.x content): failed, reader not known to be gone.
    return { kind: 'soft-bounce', status, reason: soft ?? 'other' };
  }
  return fromWords(hard, soft, status, input.diagnostic);
}

/** No usable status: the words decide, then the SMTP reply code; a failure we cannot name is soft. */
function fromWords(hard: FailureReason | undefined, soft: FailureReason | undefined, status: string | undefined, diagnostic: string | undefined): Classification {
  const code = findReplyCode(diagnostic);
  if (code !== undefined && code < 500) return { kind: 'soft-bounce', status, reason: soft ?? 'other' };
  if (hard) return { kind: 'hard-bounce', status, reason: hard };
  if (code === 552) return { kind: 'soft-bounce', status, reason: 'mailbox-full' };
  return { kind: 'soft-bounce', status, reason: soft ?? 'other' };
}

/** RFC 3463 reasons for transient failures that say more than "try later". */
function softReason(status: string): FailureReason | undefined {
  const [, subject, detail] = status.split('.');
  if (subject === '2' && detail === '2') return 'mailbox-full';
  if (subject === '4' && detail === '7') return 'expired';
  if (subject === '4') return 'network';
  if (subject === '7') return 'policy';
  return undefined;
}
