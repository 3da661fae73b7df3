/**
 * What limits each case, from CPU profiles of the briefwire processes
 * (`npm run bench -- --cpu-prof`, then `npx tsx bench/profileSummary.ts <file>`).
 * Written into RESULTS.md next to the numbers; update when a profile changes.
 */
export const LIMITS = {
  compile:
    'MJML itself (mjml2html parsing and rendering the whole template); done once per brief and cached per brief version, so it is off the per-recipient path.',
  splice:
    'Copying the pre-encoded static parts and three short personal values (QP-encoded, line ends stripped) into one ~35 KB Buffer; it now includes the encoding to bytes that the string version left to the socket write. SMTP then sends that Buffer and the final dot as one gathered write, with no copy and no search: the bulk message guarantees that no line starts with a dot.',
  dispatchVsNodemailer:
    "Nodemailer's pooled sendMail builds the MIME message for every recipient (MailComposer, QP-encoding ~35 KB of HTML and text) and streams it through two JS transforms; briefwire builds it once per dispatch and writes bytes.",
  dispatchVsSmtpSource:
    "CPU: on 2 cores the sink alone takes about one (smtp-sink is single-threaded: ~300 µs a message here, which also caps smtp-source near 3,300-4,400 msg/s). `npx tsx bench/probes/cpuPerMessage.ts` measured per message for briefwire: workers ~250-360 µs (the claim-and-record EVALSHA, the SMTP writes and reply parsing, render ~30 µs, an HMAC, metrics), Redis ~65 µs, API ~25 µs. Fixed this session, from 0.27x: bulk and transactional mail no longer go through Nodemailer's pooled transport (its per-message MailComposer/MimeNode and stream transforms cost ~2x) but through briefwire's own pipelined SMTP session pool (src/mail/smtpSession.ts, smtpPool.ts: MAIL/RCPT/DATA in one write, the message in one gathered write, exact handed-over detection); messages render straight to bytes; the bulk message has no line starting with a dot, so nothing is searched or copied per recipient; the claim records the lane's previous outcome (one Redis call per recipient instead of two). What is left is per-message JS work (ioredis, net streams) in a 2-core box shared with the sink.",
  dispatchVsNaive:
    'The naive path is bound by MJML (~20 ms a recipient, one core); the ratio tracks briefwire\'s own send rate (see (c)).',
  signup:
    'Per request: Fastify, JSON parsing, zod validation and address normalization (IDNA), then one EVALSHA that counts both rate-limit windows, records the signup with its consent event and appends the confirmation to an outbox stream, all in one atomic step. The BullMQ job add (a large Lua script, ~90 µs of Redis CPU per job) left the request path: a relay in the worker processes moves the outbox onto the mail queue in bulk (`npx tsx bench/probes/cpuPerSignup.ts`: API ~220 µs and Redis ~75 µs per signup, against ~120 µs and ~30 µs for the bare route).',
  lanes:
    'Confirmations go from the signup script to an outbox stream, which a relay in each worker moves onto their own queue (mail), sent over their own SMTP pool in every worker process, so a confirmation never queues behind bulk sends. The confirmation email is pre-rendered at build time (templates/confirm.html), so a worker never loads MJML for it (that cold start was ~1 s, the maximum of earlier runs). What is left is the shared event loop and CPU of a 2-core machine running the sink, Redis and two busy workers.',
  memory:
    'The planner pages the audience (2,000 ids a page) and the deliver jobs carry 500 ids each, so worker memory does not grow with the list: the peak is the same at 100k and 1M. It is the Node + tsx baseline (138 MB idle: a worker process loads neither MJML, which is lazy and whose output the API turns into the dispatch message, nor the HTTP half) plus ~100 MB of V8 young-generation and stream-buffer churn from ~35 KB messages sent 10 at a time. The full run before these two changes peaked at 258 MB (158 MB idle).',
  ledger:
    'The ledger is one hash field per recipient (id -> state); the INFO delta also holds the completed deliver jobs BullMQ keeps (up to 10,000, each carrying its batch of ids).',
};
