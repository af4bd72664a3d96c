// The one error handler: every failure leaves as the wire envelope, never as a stack trace.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, failure } from '../errors.ts';

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
  request.log.error({ err }, 'unhandled error');
  return new ApiError('InternalError');
}

export function sendError(reply: FastifyReply, err: ApiError, mode: StatusMode): FastifyReply {
  reply.request.outcome = err.code;
  if (err.code === '41300' || err.code === '50300') reply.header('connection', 'close');
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  return reply.code(mode === 'status' ? err.status : 200).send(failure(err));
}

export function errorHandler(mode: StatusMode) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(reply, toApiError(err, request), mode);
}
