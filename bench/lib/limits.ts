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
  dispatchVsSmtpConnection:
    "CPU per message on 2 cores shared with the sink (smtp-sink, C, single-threaded, ~165 µs a message); (e) needs no ledger, no Redis and no link tokens, and runs in one process that one core caps near 4,000 msg/s (`npx tsx bench/probes/cpuPerMessageCeiling.ts`: ~235-255 µs a message). `npx tsx bench/probes/cpuPerMessage.ts 15000`: briefwire workers ~300-360 µs, Redis ~36-44 µs, API ~10 µs a message, after this session's fixes (workers were ~410-450 µs): the message goes to SMTPConnection as a minimal stream instead of a Readable per recipient (the GC share fell from ~5.5% to ~1% of the worker's time), the link HMAC uses a KeyObject made once, metric labels are bound once per batch, lanes ready in the same turn share one claim call (1.3 claims a call on average), and the breaker's bookkeeping is two Redis commands per clean outcome. Tried and dropped: ioredis auto-pipelining (workers ~480 µs: its Pipeline objects cost more than the writes they save) and a larger V8 young generation (no effect beyond noise once allocations were cut). What is left over (e) is the ledger: with the per-recipient claim taken out of the loop (a measurement only), workers used ~275 µs and Redis ~2 µs a message, so the claim EVALSHA (ioredis and its reply ~35-50 µs, Redis ~35-40 µs) is most of the gap; the rest is the HMAC, the render and the lanes' promise plumbing. Nodemailer's DataStream (its byte-by-byte dot-stuffing scan of each ~35 KB message) is ~60% of the worker's time in both. Repetitions vary by about ±8% on this shared machine.",
  pooledRawVsSmtpConnection:
    "Information, the choice of issue 12: with `raw`, the pooled transport still wraps every message in a Mail object and a MimeNode (setRaw) and streams it through a PassThrough and a line-ending transform before SMTPConnection's own DataStream; `bench/probes/cpuPerMessageCeiling.ts` measured ~400-470 µs a message in the sending process for (f) against ~235-260 µs for (e). So the pool around SMTPConnection (src/mail/smtpPool.ts) is the faster of the two.",
  dispatchVsNodemailer:
    "Nodemailer's pooled sendMail builds the MIME message for every recipient (MailComposer, QP-encoding ~35 KB of HTML and text) and streams it through two JS transforms; briefwire builds it once per dispatch and writes bytes.",
  dispatchVsSmtpSource:
    "Information only (no target): smtp-source is C, sends the same number of bytes of nothing in particular, with no MIME, no state and no dot-stuffing scan; on 2 cores the sink takes ~165 µs a message, and smtp-source plus the sink are what is left. The transport's own ceiling is (e).",
  dispatchVsNaive:
    'The naive path is bound by MJML (~20 ms a recipient, one core); the ratio tracks briefwire\'s own send rate (see (e)).',
  signup:
    'Per request: Fastify, JSON parsing, zod validation and address normalization (IDNA), then one EVALSHA that counts both rate-limit windows, records the signup with its consent event and appends the confirmation to an outbox stream, all in one atomic step. The BullMQ job add (a large Lua script, ~90 µs of Redis CPU per job) left the request path: a relay in the worker processes moves the outbox onto the mail queue in bulk (`npx tsx bench/probes/cpuPerSignup.ts`: API ~220 µs and Redis ~75 µs per signup, against ~120 µs and ~30 µs for the bare route).',
  lanes:
    'Confirmations go from the signup script to an outbox stream, which a relay in each worker moves onto their own queue (mail), sent over their own SMTP pool in every worker process, so a confirmation never queues behind bulk sends. The confirmation email is pre-rendered at build time (templates/confirm.html), so a worker never loads MJML for it (that cold start was ~1 s, the maximum of earlier runs). What is left is the shared event loop and CPU of a 2-core machine running the sink, Redis and two busy workers.',
  idleMemory:
    'An idle compiled worker holds what every worker needs: Node itself (~40 MB with nothing loaded), BullMQ with ioredis, prom-client, pino and zod (for the configuration), about 30 MB between them, and its own Redis connections and workers. Everything else loads where it is first used: the feed parsers with the first poll, mailparser with the first bounce message, smtp-server and imapflow only when BOUNCE_SMTP_PORT or BOUNCE_IMAP_URL is set, Nodemailer with the first send, Handlebars, Markdown and the planner with the first job that needs them, and the API client commands never (test/ops/lazyModules.test.ts checks the heavy ones). For its first seconds the process holds ~90-100 MB: startup grows V8\'s young generation to its maximum, which V8 shrinks once it sees the process idle.',
  memory:
    'The planner pages the audience (2,000 ids a page) and the deliver jobs carry 500 ids each, so worker memory does not grow with the list. The dispatch message is MIME-encoded in the worker from the brief the API compiled on save, so the worker loads no MJML and starts no thread for it. The peak is the idle process plus V8\'s young generation grown back to its maximum (32 MB) by ~35 KB messages sent 10 at a time, and the send path\'s code and buffers.',
  ledger:
    'The ledger is one hash field per recipient (id -> state); the INFO delta also holds the completed deliver jobs BullMQ keeps (up to 10,000, each carrying its batch of ids).',
};
