/**
 * What limits each case, from CPU profiles of the briefwire processes
 * (`npm run bench -- --cpu-prof`, then `npx tsx bench/profileSummary.ts <file>`).
 * Written into RESULTS.md next to the numbers; update when a profile changes.
 */
export const LIMITS = {
  compile:
    'MJML itself (mjml2html parsing and rendering the whole template); done once per brief and cached per brief version, so it is off the per-recipient path.',
  splice:
    'Building a ~35 KB string from the pre-encoded segments (one join) plus QP-encoding the three short personal values; it is not the bottleneck of a send, whose SMTP path costs ~50× more.',
  dispatchVsNodemailer:
    "Both sides pay Nodemailer's per-message pipeline; briefwire skips only the MIME build (MailComposer encoding html/text every time). The rest of a briefwire send is two short Lua calls (claim, record) per recipient.",
  dispatchVsSmtpSource:
    "Nodemailer's per-message send path, not Redis: even with the message pre-built, sendMail({raw}) runs plugins, MailComposer/MimeNode (random Message-ID and boundary), and two JS stream transforms (LastNewline, DataStream dot-stuffing) over all ~35 KB before the socket write. An interleaved probe on the same sink sent the same pre-built messages through nodemailer's SMTPConnection directly at 1.2-2.7× the rate of the pooled sendMail (6 interleaved pairs on a loaded machine; `npx tsx bench/probes/smtpPath.ts`). Suggested fix (src/mail/smtpMailer.ts): a lean pool of SMTPConnection objects for raw bulk messages (keeping sendMail where DKIM signing is configured, or signing with nodemailer's DKIM module first).",
  dispatchVsNaive:
    'The naive path is bound by MJML (~20 ms a recipient, one core); the ratio therefore tracks briefwire\'s own send rate, which is limited as in (c).',
  signup:
    'Per request briefwire does validation plus four sequential Redis round trips (per-IP window, global window, the signup script, the BullMQ job add, itself a large Lua script) against one SET. Profile: the zod signup schema is rebuilt (and JIT-compiled by zod v4) on every request in src/http/routes/subscribe.ts, 130-200 µs a request, as much as the bare route\'s whole request; build it once per topics list. The two rate-limit windows (src/subscribers/limits.ts, EVAL with the script text) can be one EVALSHA call.',
  lanes:
    'Confirmations have their own queue (mail), but in each worker process the mail and deliver workers share one event loop and one Nodemailer pool (workers/index.ts passes the same s.mailer to both): a confirmation queues in the pool behind the up to DELIVER_CONCURRENCY × SMTP_POOL_SIZE bulk sends already waiting for the 5 connections, and the slower the sink the longer that wait. Suggested fix: give the transactional lane its own transport (one or two connections) so it never waits in the bulk pool\'s queue.',
  memory:
    'The planner pages the audience (2,000 ids a page) and the deliver jobs carry 500 ids each, so worker memory does not grow with the list; the peak is the Node/tsx baseline plus the pre-built message and pooled sockets.',
  ledger:
    'The ledger is one hash field per recipient (id -> state); the INFO delta also holds the completed deliver jobs BullMQ keeps (up to 10,000, each carrying its batch of ids).',
};
