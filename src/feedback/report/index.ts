/**
 * Reading bounce and complaint messages. Pure: no Redis, no SMTP, no clock.
 * The intake (SMTP listener, IMAP poller) calls `parseFeedbackMessage`, then
 * `identifyReader`, then hands the result to the feedback policy.
 */
export { parseFeedbackMessage, type ParseOptions } from './parse.ts';
export { identifyReader, primaryRecipient, describeFeedback, type IdentifiedReader, type IdentifyMethod } from './identify.ts';
export { DEFAULT_LIMITS } from './limits.ts';
export { briefwireIds } from './original.ts';
export { classifyFailure, findEnhancedStatus } from './status.ts';
export type {
  BriefwireMessageIds,
  FailureReason,
  FeedbackReport,
  ParseLimits,
  ReportType,
  ReportedKind,
  ReportedRecipient,
  UnreadableReason,
} from './types.ts';
