/**
 * How the MTAs that send no RFC 3464 report word their bounces. Each marker is
 * a line the MTA writes verbatim at the start of its notice; the recipient
 * block follows it and ends where the returned message starts
 * (`ENCLOSURE_MARKERS` in original.ts).
 *
 * | MTA | marker | recipient block | source |
 * | --- | --- | --- | --- |
 * | qmail | "Hi. This is the qmail-send program at …" | `<addr>:` then the remote reply, "(#5.x.x)" | qmail-send.c; sisimai email-qmail-01 |
 * | Exim | "This message was created automatically by mail delivery software." | two-space indented address, reply indented below; X-Failed-Recipients header | Exim spec "bounce_message_file"; sisimai email-exim-02 |
 * | Sendmail | "----- The following addresses had permanent fatal errors -----" | `<addr>` then "(reason: 550 …)" | sendmail savemail.c; sisimai email-sendmail-01 |
 * | Gmail (old text bounces) | "Delivery to the following recipient failed permanently:" | indented address, then "Technical details of permanent failure:" | sisimai email-google-02 |
 * | Exchange / Outlook | "Delivery has failed to these recipients or groups:" (2007+), "Your message did not reach some or all of the intended recipients." (2003) | `Name<mailto:addr>` or the address, then the reason; "550 5.1.1 RESOLVER…" under "Diagnostic information" | sisimai email-exchange2007-05, Microsoft NDR docs |
 * | Yahoo | "Sorry, we were unable to deliver your message to the following address." | `<addr>:` then "Remote host said: 550 …" | sisimai Lhost::Yahoo |
 * | Postfix (text part only, e.g. a forwarded bounce) | "This is the mail system at host …" | `<addr>: host … said: 550 …` | Postfix bounce(5) templates |
 *
 * A message matching none of them is still read as a bounce when it carries
 * `X-Failed-Recipients` (Exim, Gmail) or comes from MAILER-DAEMON/postmaster
 * with a failure subject; its addresses are then the bare address lines.
 */
export interface BounceProfile {
  name: string;
  markers: string[];
}

export const BOUNCE_PROFILES: BounceProfile[] = [
  { name: 'qmail', markers: ['Hi. This is the qmail-send program', "I'm afraid I wasn't able to deliver your message to the following addresses"] },
  { name: 'exim', markers: ['This message was created automatically by mail delivery software.'] },
  {
    name: 'sendmail',
    markers: ['----- The following addresses had permanent fatal errors -----', '----- The following addresses had delivery problems -----'],
  },
  {
    name: 'gmail',
    markers: ['Delivery to the following recipient failed permanently:', 'Delivery to the following recipients failed permanently:', 'Delivery to the following recipient has been delayed:'],
  },
  {
    name: 'exchange',
    markers: [
      'Delivery has failed to these recipients or groups:',
      'Delivery has failed to these recipients or distribution lists:',
      'Your message did not reach some or all of the intended recipients.',
      'Delivery to the following recipients failed.',
      'Delivery is delayed to these recipients or groups:',
    ],
  },
  { name: 'yahoo', markers: ['Sorry, we were unable to deliver your message to the following address', 'Unable to deliver message to the following address'] },
  { name: 'postfix', markers: ["I'm sorry to have to inform you that your message could not", 'This is the mail system at host'] },
];

/**
 * Words that make a notice a delay warning, not a failure: the MTA is still
 * trying. Sources: Exim's warn_message_file ("has not yet been delivered"),
 * Sendmail ("Warning: could not send message for past 4 hours"), Postfix
 * ("THIS IS A WARNING ONLY"), Gmail and Exchange delay notices.
 */
export const DELAY_PHRASES = [
  'has not yet been delivered',
  'have not yet been delivered',
  'has been delayed',
  'delivery is delayed',
  'delivery will continue to be attempted',
  'will continue to try',
  'will keep trying',
  'this is a warning only',
  'warning: could not send message for past',
  'still being retried',
];

/** Local parts of the senders of bounces (RFC 3464 §2.3 suggests none; these are what MTAs use). */
export const BOUNCE_SENDERS = ['mailer-daemon', 'postmaster', 'mail-daemon', 'mailerdaemon'];

/** Subjects of bounces from those senders, lower-cased substrings. */
export const BOUNCE_SUBJECTS = [
  'undeliver',
  'returned mail',
  'delivery status notification (failure)',
  'mail delivery failed',
  'delivery failure',
  'delivery failed',
  'failure notice',
  'could not be delivered',
  'non remis',
  'unzustellbar',
  'nicht zustellbar',
];
