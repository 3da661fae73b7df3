/**
 * Errors a user (editor, designer, API client) can see. The `code` is stable
 * so HTTP handlers and tests can switch on it without parsing messages.
 */
export type BriefErrorCode =
  | 'BRIEF_INVALID'
  | 'TEMPLATE_INVALID'
  | 'TEMPLATE_MISSING'
  | 'SLOT_MISSING';

export interface FieldError {
  /** Dotted path into the brief, e.g. `sections.0.heading`; `''` for the whole brief. */
  field: string;
  message: string;
}

export class BriefError extends Error {
  readonly code: BriefErrorCode;
  readonly details: FieldError[];

  constructor(code: BriefErrorCode, message: string, details: FieldError[] = []) {
    super(message);
    this.name = 'BriefError';
    this.code = code;
    this.details = details;
  }
}
