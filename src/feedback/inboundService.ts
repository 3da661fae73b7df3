import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/connection.ts';
import type { Keyspace } from '../redis/keys.ts';
import { createConnectionRateLimiter } from './inbound/connectionRate.ts';
import type { ImapPoller, ImapPollerOptions } from './inbound/imapPoller.ts';
import { createInbox } from './inbound/inbox.ts';
import { startInboxConsumer, type InboxConsumer } from './inbound/inboxConsumer.ts';
import { createRedisLease } from './inbound/lease.ts';
import type { BounceListener } from './inbound/smtpListener.ts';
import type { FeedbackIntake } from './intake.ts';

/** Connections a sender may open per minute (per IPv4 address, per IPv6 /64), across all workers: real MTAs open a few. */
export const BOUNCE_CONNECTIONS_PER_MINUTE = 60;
/** Unread messages past which the listener answers 452 and the sender keeps its mail (a stuck consumer must not fill Redis). */
export const INBOX_MAX_BACKLOG = 10_000;
const GROUP = 'feedback';

export interface FeedbackInbound {
  /** The bounce listener's port, when one runs. */
  smtpPort?: number;
  /** Stop listening, finish what is in hand, then stop reading. */
  close(): Promise<void>;
}

/**
 * The bounce mail side of a worker process: the MX listener (BOUNCE_SMTP_PORT),
 * the mailbox poller (BOUNCE_IMAP_URL; one round at a time across workers, by
 * its lease) and, when either runs, the inbox consumer that hands each message
 * to the intake. Null when neither is configured.
 */
export async function startFeedbackInbound(deps: {
  config: Config;
  keys: Keyspace;
  /** For the inbox, the rate counter and the lease. */
  redis: RedisClient;
  /** Opens the consumer's own connection (it blocks on it); closed with the consumer. */
  connect: () => RedisClient;
  intake: FeedbackIntake;
  logger: Logger;
  /** Tests: a local IMAP server without TLS (`allowInsecure`), or a private CA. */
  imapOptions?: Pick<ImapPollerOptions, 'allowInsecure' | 'tls'>;
}): Promise<FeedbackInbound | null> {
  const { config, keys, redis, logger } = deps;
  const { smtp, imap, bounceAddress } = config.feedback;
  if (!smtp && !imap) return null;
  const inbox = createInbox(redis, keys.feedbackInbox, { maxBacklog: INBOX_MAX_BACKLOG });
  const consumer: InboxConsumer = startInboxConsumer({
    redis: deps.connect(),
    streamKey: keys.feedbackInbox,
    group: GROUP,
    deadLetterKey: keys.feedbackUnreadable,
    handle: (entry, id) => deps.intake.handleMessage(entry, id),
    logger,
  });
  let listener: BounceListener | undefined;
  let poller: ImapPoller | undefined;
  try {
    // smtp-server and imapflow (about 30 MB each) load only in a worker configured to use them;
    // a failed load fails the start, as an unbindable port does.
    if (smtp && bounceAddress) {
      const { startBounceListener } = await import('./inbound/smtpListener.ts');
      listener = await startBounceListener({
        host: smtp.host,
        port: smtp.port,
        domain: bounceAddress.slice(bounceAddress.lastIndexOf('@') + 1),
        inbox,
        logger,
        rateLimiter: createConnectionRateLimiter({ redis, key: (subject, window) => keys.rate('bounce-smtp', `${subject}|${window}`), perMinute: BOUNCE_CONNECTIONS_PER_MINUTE }),
      });
    }
    if (imap) {
      const { startImapPoller } = await import('./inbound/imapPoller.ts');
      poller = startImapPoller({ url: imap.url, inbox, logger, intervalMs: imap.intervalSec * 1000, lock: createRedisLease(redis, keys.feedbackImapLock), ...deps.imapOptions });
    }
  } catch (e) {
    await consumer.close();
    throw e;
  }
  return {
    ...(listener ? { smtpPort: listener.port } : {}),
    async close() {
      await Promise.all([listener?.close(), poller?.close()]);
      await consumer.close();
    },
  };
}
