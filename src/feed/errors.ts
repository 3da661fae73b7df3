/**
 * Why a poll of a feed (or one of its items) came to nothing. Each code is
 * stable and goes into the log line an operator reads. A feed-level failure is
 * simply tried again next interval; the FEED_ITEM_* codes concern one item's
 * HTML, which fails the same way every time it is read.
 */
export type FeedErrorCode =
  | 'FEED_TIMEOUT'
  | 'FEED_UNREACHABLE'
  | 'FEED_HTTP_STATUS'
  | 'FEED_TOO_MANY_REDIRECTS'
  | 'FEED_BAD_REDIRECT'
  /** A redirect to a loopback, private, link-local, metadata or other non-public address. */
  | 'FEED_REDIRECT_BLOCKED'
  | 'FEED_TOO_LARGE'
  | 'FEED_NOT_XML'
  | 'FEED_MALFORMED_XML'
  /** XML nested deeper than any feed needs. */
  | 'FEED_TOO_DEEP'
  | 'FEED_UNRECOGNIZED'
  /** An item's HTML nested deeper than a page ever is (see MAX_HTML_DEPTH). */
  | 'FEED_ITEM_TOO_DEEP'
  /** An item's HTML longer than any brief could come from (see MAX_HTML_CHARS). */
  | 'FEED_ITEM_TOO_LARGE';

export class FeedError extends Error {
  constructor(
    readonly code: FeedErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}
