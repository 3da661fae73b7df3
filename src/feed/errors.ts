/**
 * Why a poll of a feed came to nothing. Each code is stable and goes into the
 * log line an operator reads; the poll is simply tried again next interval.
 */
export type FeedErrorCode =
  | 'FEED_TIMEOUT'
  | 'FEED_UNREACHABLE'
  | 'FEED_HTTP_STATUS'
  | 'FEED_TOO_MANY_REDIRECTS'
  | 'FEED_BAD_REDIRECT'
  | 'FEED_TOO_LARGE'
  | 'FEED_NOT_XML'
  | 'FEED_MALFORMED_XML'
  | 'FEED_UNRECOGNIZED';

export class FeedError extends Error {
  constructor(
    readonly code: FeedErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FeedError';
  }
}
