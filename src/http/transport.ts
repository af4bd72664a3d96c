// What happens below the router: malformed HTTP, slow clients, and draining on shutdown. Every
// answer is still the envelope.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { ApiError, type ErrorName, failure } from '../errors.ts';

function rawEnvelope(name: ErrorName, message?: string): string {
  const err = new ApiError(name, message === undefined ? {} : { message });
  const body = JSON.stringify(failure(err));
  return (
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Requests Node's parser rejects before Fastify sees them (bad request line, bad lengths, …). */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const response =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? rawEnvelope('RequestTimeout')
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? rawEnvelope('HeadersTooLarge')
        : rawEnvelope('ParamValidationFailed', 'Malformed request');
  this.log.debug({ err: { code: err.code, message: err.message } }, 'malformed request');
  if (socket.writable) socket.end(response);
  else socket.destroy();
}

/**
 * Counts requests from their first hook to their answer (onSend runs for every answer, also when the
 * client has gone), so that shutdown can wait for handlers still working (for example waiting for a
 * database connection after their client hung up) before the database closes; and marks answers given
 * while draining `Connection: close`, so clients open a new connection instead of reusing this one.
 */
export function trackInFlight(app: FastifyInstance, isClosing: () => boolean): { drained(timeoutMs: number): Promise<void>; hold(): () => void } {
  const open = new WeakSet<object>();
  let inFlight = 0;
  let waiters: Array<() => void> = [];
  const finish = (request: object) => {
    if (!open.delete(request)) return;
    inFlight--;
    if (inFlight === 0) for (const w of waiters.splice(0)) w();
  };
  app.addHook('onRequest', async (request) => {
    open.add(request);
    inFlight++;
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (isClosing()) reply.header('connection', 'close');
    finish(request);
    return payload;
  });
  // The client left before its request was complete: no handler will answer it.
  app.addHook('onRequestAbort', async (request) => finish(request));
  return {
    // Work answered outside Fastify (http/fast-path.ts) counts too, until its release.
    hold: () => {
      const token = {};
      open.add(token);
      inFlight++;
      return () => finish(token);
    },
    drained: (timeoutMs) =>
      inFlight <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(() => {
              waiters = waiters.filter((w) => w !== done);
              resolve();
            }, timeoutMs);
            waiters.push(done);
          }),
  };
}
