/**
 * Every key briefwire writes, in one place: no module and no Lua script builds
 * a key of its own. Scripts get each key they touch in KEYS, so this file is
 * the whole schema. All keys share the configured prefix, whose hash tag (e.g.
 * `{bw}`) puts them in one Redis Cluster slot: the multi-key scripts then never
 * hit CROSSSLOT. docs/CLUSTER.md says which keys must stay together and how a
 * split over several slots would go (a change here and in the callers).
 */
export function keyspace(prefix: string) {
  const k = (...parts: (string | number)[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    /** BullMQ queue prefix: queues live under the same hash tag. */
    queuePrefix: k('q'),

    // Subscribers.
    subscriberSeq: k('sub', 'seq'),
    subscriber: (id: string) => k('sub', id),
    /** The consent log: one JSON event per signup, confirmation, withdrawal or restore. */
    subscriberConsent: (id: string) => k('sub', id, 'consent'),
    subscriberByEmail: k('sub', 'by-email'),
    /** Active subscribers scored by numeric id: the audience is paged from here. */
    activeSubscribers: k('subs', 'active'),
    /** Every subscriber, scored by id, for the editor's list and export. */
    allSubscribers: k('subs', 'all'),
    /** Pending (unconfirmed) subscribers scored by when they signed up (ms): unconfirmed signups expire from here. */
    pendingSubscribers: k('subs', 'pending'),
    /** id -> topics ("|"-joined) for active subscribers, read in pages by the planner. */
    activeTopics: k('subs', 'topics'),
    /** id -> `<time zone>;<cadence>` for readers whose cadence or zone is not the default (src/cadence/model.ts), read with activeTopics by the planner. */
    subscriberDelivery: k('subs', 'delivery'),
    /** Readers with a daily cadence, scored by when their digest is next looked at (ms): the digest run pages from here. */
    dailySubscribers: k('subs', 'daily'),

    // Confirmation and signup limits.
    confirmToken: (hash: string) => k('confirm', hash),
    confirmSentGuard: (id: string) => k('confirm', 'sent', id),
    /** Stream of subscriber ids owed a confirmation; the relay moves them onto the mail queue. */
    confirmationStream: k('outbox', 'confirm'),
    /** A fixed rate window's counter (signup-ip / signup-global). */
    rate: (name: string, bucket: string) => k('rate', name, bucket),

    // Briefs.
    briefSeq: k('brief', 'seq'),
    brief: (id: string) => k('brief', id),
    briefBySlug: k('brief', 'by-slug'),
    briefs: k('briefs'),
    /** Archived briefs, scored by numeric id: out of the editors' list, web version kept. */
    archivedBriefs: k('briefs', 'archived'),
    /** A brief's history: one JSON entry per change (who by editor label, when, which fields), oldest first, capped. */
    briefHistory: (id: string) => k('brief', id, 'history'),
    /** The brief's email as last compiled (HTML and text with slot placeholders, its version and fingerprint), kept 30 days: a worker MIME-encodes it without loading MJML. */
    briefEmail: (id: string) => k('brief', id, 'email'),

    // Dispatches and their delivery ledgers.
    dispatchSeq: k('dispatch', 'seq'),
    dispatch: (id: string) => k('dispatch', id),
    dispatchLedger: (id: string) => k('dispatch', id, 'ledger'),
    dispatchBatchesDone: (id: string) => k('dispatch', id, 'batches-done'),
    dispatchMessage: (id: string) => k('dispatch', id, 'message'),
    /** Subscribers this dispatch marked bounced (restore-bounced reads it). */
    dispatchBounced: (id: string) => k('dispatch', id, 'bounced'),
    /** The bounce-spike breaker: the outcome numbers of the dispatch's last 200 bounces (written by the ledger scripts). */
    dispatchRecent: (id: string) => k('dispatch', id, 'recent'),
    /** Subscribers who complained about this dispatch (each counted once in its `complained`). */
    dispatchComplained: (id: string) => k('dispatch', id, 'complained'),
    dispatchByBrief: k('dispatch', 'by-brief'),
    dispatches: k('dispatches'),
    /** The global send-rate cap's counter for one second (epoch seconds). */
    sendRate: (second: number) => k('send-rate', second),

    // Daily digests (src/digests/): each digest send is a dispatch of kind `digest`, in `dispatches` too.
    /** Brief dispatches by when they started sending (ms): what a digest gathers from. */
    digestLog: k('digest', 'log'),
    /** Digest sends (dispatch ids), scored by dispatch number. */
    digestSends: k('digests'),
    /** One digest run: `@at` (its time, ms) and each distinct set of briefs -> the digest send that carries it; kept a week. */
    digestRun: (runId: string) => k('digest', 'run', runId),
    /** The readers a digest send goes to, in the order taken, until its batches are all queued. */
    digestMembers: (dispatchId: string) => k('dispatch', dispatchId, 'members'),

    // Transactional lane.
    /** A test send's request (brief id and addresses), kept a day; the mail job carries only its id. */
    testSend: (requestId: string) => k('test-send', requestId),
    /** Addresses a test send has already reached, so a retry skips them. */
    testSendDone: (requestId: string) => k('test-send', requestId, 'done'),

    // Feed watcher.
    /** Per feed: HTTP validators, when it was primed, the last poll's outcome. */
    feed: (feedId: string) => k('feed', feedId),
    /** A poll's lease on its feed, so two polls of one feed never overlap. */
    feedLock: (feedId: string) => k('feed', feedId, 'lock'),
    /** Every feed item ever seen (identity -> what became of it), across all feeds. */
    feedSeen: k('feed', 'seen'),
    /** Feed item identity -> how many polls failed to turn it into a brief (given up at FEED_ITEM_ATTEMPTS). */
    feedFailures: k('feed', 'failures'),
    /** Which feed and item a brief came from (for the editors' notice). */
    feedBrief: (briefId: string) => k('feed', 'brief', briefId),
    /** Editors a feed notice has already reached, so a retry skips them. */
    feedNoticeDone: (briefId: string) => k('feed', 'notice', briefId, 'done'),

    // Delivery feedback: bounces and complaints that come back after the send.
    /** Stream of bounce and complaint messages handed over by the bounce listener and the IMAP poller (a consumer group reads it). */
    feedbackInbox: k('feedback', 'inbox'),
    /** Stream of messages kept for an operator: unreadable, naming no reader, or failing every attempt (capped). */
    feedbackUnreadable: k('feedback', 'unreadable'),
    /** A message already handled, by the SHA-256 (hex) of its bytes, kept a week: a second hand-off changes nothing. */
    feedbackSeen: (digest: string) => k('feedback', 'seen', digest),
    /** A webhook event id or Mailgun token already taken (the replay guard); `id` is guardKey()'s, already hashed. */
    webhookSeen: (id: string) => k('feedback', id),
    /** A reader's soft bounces within SOFT_BOUNCE_DAYS: a sorted set, dispatch (or event) -> when (ms). */
    softBounces: (subscriberId: string) => k('feedback', 'soft', subscriberId),
    /** The IMAP poller's lease, so one poll round runs at a time across workers. */
    feedbackImapLock: k('feedback', 'imap-lock'),

    // Operations.
    /** An editor's sign-in session, by the SHA-256 (hex) of its cookie value. */
    adminSession: (idHash: string) => k('admin-session', idHash),
    /** Worker heartbeats: worker id -> JSON (host, pid, SMTP health), refreshed every few seconds. */
    workers: k('workers'),
    /** The ops charts: per epoch minute, a hash of what every worker counted and saw in it; expires once older than the charts reach (src/ops/series.ts). */
    opsMinute: (minute: number) => k('ops', 'minute', minute),
  };
}

export type Keyspace = ReturnType<typeof keyspace>;
