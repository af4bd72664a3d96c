// The one error handler: every failure leaves as the wire envelope, never as a stack trace.
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, ERRORS, failure } from '../errors.ts';
import { databaseFault } from '../storage/dialect.ts';

/** Seconds a client is asked to wait when the database is unavailable: a restart or failover takes a few. */
const DATABASE_RETRY_AFTER = 5;

/**
 * A database that is unreachable, hung, overloaded or damaged, as 503 / 50300 with Retry-After;
 * undefined for any other error. Logged at warn with the driver's code and message only: an outage
 * fails many requests at once, and a stack says nothing about it (the cause is outside the process).
 */
export function unavailableError(err: unknown, log: FastifyBaseLogger): ApiError | undefined {
  const fault = databaseFault(err);
  if (fault === undefined) return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  log.warn({ err: { code, message }, fault }, 'database unavailable');
  return new ApiError('ServiceUnavailable', { message: 'Database unavailable', retryAfter: DATABASE_RETRY_AFTER });
}

/**
 * `status`: the HTTP status equals the envelope status (server-to-server APIs, as the seeds show).
 * `ok`: HTTP 200 with the status in the envelope (client APIs: the SDKs ignore non-200 responses).
 */
export type StatusMode = 'status' | 'ok';

declare module 'fastify' {
  interface FastifyRequest {
    /** The envelope error code this request was answered with ('' for success), for metrics. */
    outcome: string;
  }
}

export function toApiError(err: FastifyError | Error, request: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('PayloadTooLarge');
  const status = (err as FastifyError).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Framework-detected request problems (bad content length, truncated body, …).
    return new ApiError('ParamValidationFailed', { message: 'Malformed request' });
  }
  const unavailable = unavailableError(err, request.log);
  if (unavailable !== undefined) return unavailable;
  request.log.error({ err }, 'unhandled error');
  return new ApiError('InternalError');
}

/** A body too large (unread) or a server going away: the client should open a new connection. */
const CLOSES_CONNECTION = new Set<string>([ERRORS.PayloadTooLarge.code, ERRORS.ServiceUnavailable.code]);

export function sendError(reply: FastifyReply, err: ApiError, mode: StatusMode): FastifyReply {
  reply.request.outcome = err.code;
  if (CLOSES_CONNECTION.has(err.code)) reply.header('connection', 'close');
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  return reply.code(mode === 'status' ? err.status : 200).send(failure(err));
}

export function errorHandler(mode: StatusMode) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(reply, toApiError(err, request), mode);
}
