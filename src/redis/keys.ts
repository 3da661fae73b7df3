/**
 * Every key briefwire writes, in one place. All share the configured prefix,
 * whose hash tag (e.g. `{bw}`) puts them in one Redis Cluster slot so the
 * multi-key Lua scripts never hit CROSSSLOT.
 */
export function keyspace(prefix: string) {
  const k = (...parts: (string | number)[]) => [prefix, ...parts].join(':');
  return {
    prefix,
    /** BullMQ queue prefix: queues live under the same hash tag. */
    queuePrefix: k('q'),
    subscriberSeq: k('sub', 'seq'),
    subscriber: (id: string) => k('sub', id),
    subscriberConsent: (id: string) => k('sub', id, 'consent'),
    subscriberByEmail: k('sub', 'by-email'),
    /** Active subscribers scored by numeric id: the audience is paged from here. */
    activeSubscribers: k('subs', 'active'),
    /** Every subscriber, scored by id, for the editor's list and export. */
    allSubscribers: k('subs', 'all'),
    /** id -> topics ("|"-joined) for active subscribers, read in pages by the planner. */
    activeTopics: k('subs', 'topics'),
    confirmToken: (hash: string) => k('confirm', hash),
    confirmSentGuard: (id: string) => k('confirm', 'sent', id),
    /** Stream of subscriber ids owed a confirmation; the relay moves them onto the mail queue. */
    confirmOutbox: k('outbox', 'confirm'),
    rate: (name: string, bucket: string) => k('rate', name, bucket),
    briefSeq: k('brief', 'seq'),
    brief: (id: string) => k('brief', id),
    briefBySlug: k('brief', 'by-slug'),
    briefs: k('briefs'),
    dispatchSeq: k('dispatch', 'seq'),
    dispatch: (id: string) => k('dispatch', id),
    dispatchLedger: (id: string) => k('dispatch', id, 'ledger'),
    dispatchBatchesDone: (id: string) => k('dispatch', id, 'batches-done'),
    dispatchMessage: (id: string) => k('dispatch', id, 'message'),
    /** Subscribers this dispatch marked bounced (restore-bounced reads it). */
    dispatchBounced: (id: string) => k('dispatch', id, 'bounced'),
    /** The bounce-spike breaker: the outcome numbers of the dispatch's last 200 bounces (written by the ledger scripts). */
    dispatchRecent: (id: string) => k('dispatch', id, 'recent'),
    dispatchByBrief: k('dispatch', 'by-brief'),
    dispatches: k('dispatches'),
    sendRate: (second: number) => k('send-rate', second),
    /** A test send's request (brief id and addresses), kept a day; the mail job carries only its id. */
    testSend: (requestId: string) => k('test-send', requestId),
    /** Addresses a test send has already reached, so a retry skips them. */
    testSendDone: (requestId: string) => k('test-send', requestId, 'done'),
    /** Editors a feed notice has already reached, so a retry skips them. */
    feedNoticeDone: (briefId: string) => k('feed', 'notice', briefId, 'done'),
    /** Worker heartbeats: worker id -> JSON (host, pid, SMTP health), refreshed every few seconds. */
    workers: k('workers'),
  };
}

export type Keyspace = ReturnType<typeof keyspace>;
