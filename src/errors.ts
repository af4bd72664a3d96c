// The one table of error codes. docs/errors.md lists the same rows; test/errors-doc.test.ts keeps them in sync.
export const ERRORS = {
  HeaderValidationFailed: { status: 400, code: '40001', message: 'Request headers are required' },
  ParamValidationFailed: { status: 400, code: '40002', message: 'Parameter validation failed' },
  AuthorizationMissing: { status: 401, code: '40101', message: 'Authorization header is required' },
  AuthorizationInvalid: { status: 401, code: '40102', message: "Authorization header must be 'Bearer <token>'" },
  TokenInvalid: { status: 401, code: '40103', message: 'Invalid token' },
  TokenExpired: { status: 401, code: '40104', message: 'Token expired' },
  TokenWrongProject: { status: 401, code: '40105', message: 'Token does not belong to this client' },
  TokenUserNotFound: { status: 401, code: '40106', message: 'The user of this token no longer exists' },
  InboxLoginFailed: { status: 401, code: '40130', message: 'Wrong project, email or password' },
  InboxSignInRequired: { status: 401, code: '40131', message: 'Sign in to the inbox first' },
  InboxSessionInvalid: { status: 401, code: '40132', message: 'Invalid or ended inbox session' },
  InboxSessionExpired: { status: 401, code: '40133', message: 'The inbox session expired: sign in again' },
  PermissionDenied: { status: 403, code: '40301', message: 'Permission denied' },
  InboxCrossSite: { status: 403, code: '40330', message: 'Cross-site request refused' },
  RouteNotFound: { status: 404, code: '40400', message: 'Route not found' },
  UserNotFound: { status: 404, code: '40401', message: 'User not found' },
  RoomNotFound: { status: 404, code: '40402', message: 'Room not found' },
  MessageNotFound: { status: 404, code: '40403', message: 'Message not found' },
  FileNotFound: { status: 404, code: '40410', message: 'File not found' },
  CaseNotFound: { status: 404, code: '40420', message: 'Case not found' },
  TopicNotFound: { status: 404, code: '40421', message: 'Topic not found' },
  AgentNotFound: { status: 404, code: '40422', message: 'Agent not found' },
  ContactDuplicateKeys: {
    status: 409,
    code: '40901',
    message: 'More than one contact matches the sync keys (customerUserID, phone)',
  },
  ContactCustomerUserIDConflict: {
    status: 409,
    code: '40902',
    message: 'The matching contact is already tied to a different customer user ID',
  },
  RequestTimeout: { status: 408, code: '40800', message: 'Request not received in time' },
  PayloadTooLarge: { status: 413, code: '41300', message: 'Request body is too large' },
  FileTypeMismatch: { status: 415, code: '41500', message: 'The file is not of the declared type' },
  HeadersTooLarge: { status: 431, code: '43100', message: 'Request headers are too large' },
  RoomLocked: { status: 409, code: '40910', message: 'The room is locked' },
  CaseLimitReached: { status: 409, code: '40920', message: 'Too many open cases' },
  CaseClosed: { status: 409, code: '40921', message: 'The case is closed' },
  CaseStillOpen: { status: 409, code: '40922', message: 'The case is still open' },
  CaseAlreadyRated: { status: 409, code: '40923', message: 'The case has already been rated' },
  IdempotencyKeyInFlight: { status: 409, code: '40903', message: 'A request with this Idempotency-Key is still being answered' },
  IdempotencyKeyReused: { status: 422, code: '42201', message: 'This Idempotency-Key was used with another request' },
  TooManyRequests: { status: 429, code: '42900', message: 'Too many requests' },
  KeyMalformed: { status: 491, code: '49102', message: 'Malformed key' },
  KeyInvalid: { status: 491, code: '49103', message: 'Unknown or revoked key' },
  TierNotSelected: { status: 499, code: '49900', message: 'Please select a tier' },
  InternalError: { status: 500, code: '50000', message: 'Internal server error' },
  ServiceUnavailable: { status: 503, code: '50300', message: 'Service unavailable' },
} as const satisfies Record<string, { status: number; code: string; message: string }>;

export type ErrorName = keyof typeof ERRORS;

/** A refusal an operator's command reports in one line (exit 1), not an API answer. */
export class OperatorError extends Error {}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string;
  /** Seconds, sent as Retry-After (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(name: ErrorName, options: { field?: string; message?: string; retryAfter?: number } = {}) {
    const entry = ERRORS[name];
    super(options.message ?? entry.message);
    this.name = 'ApiError';
    this.status = entry.status;
    this.code = entry.code;
    this.field = options.field ?? '';
    this.retryAfter = options.retryAfter;
  }
}

export interface Envelope<T = unknown> {
  status: number;
  error: { code: string; message: string; field: string };
  data: T | Record<string, never>;
}

export function ok<T>(data: T): Envelope<T> {
  return { status: 200, error: { code: '', message: '', field: '' }, data };
}

export function failure(err: { status: number; code: string; message: string; field: string }): Envelope {
  return { status: err.status, error: { code: err.code, message: err.message, field: err.field }, data: {} };
}
