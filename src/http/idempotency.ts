// Idempotency-Key on the server APIs: a call retried with the same key and the same request within
// 24 hours is answered with the first answer, without doing the work again; the same key with another
// request is refused (422 / 42201), and while the first is still being answered the retry waits for
// nothing and gets 409 / 40903. Answers of 5xx, 429 and 503 are not kept: the call may be retried.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as keys from '../repos/idempotency.ts';
import { isUniqueViolation } from '../storage/dialect.ts';
import './request-auth.ts';

export const IDEMPOTENCY_WINDOW_MS = 24 * 3_600_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key this request holds, to store its answer under. */
    idempotency: { projectId: string; key: string } | null;
  }
}

const fingerprint = (request: FastifyRequest) =>
  createHash('sha256')
    .update(`${request.method} ${request.url.split('?')[0]}\n${request.rawBody ?? ''}`)
    .digest('hex');

export function useIdempotencyKeys(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest('idempotency', null);
  app.addHook('preHandler', async (request, reply) => {
    const header = request.headers['idempotency-key'];
    if (header === undefined || request.method !== 'POST' || request.auth?.realm !== 'key') return;
    if (typeof header !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(header)) {
      throw new ApiError('HeaderValidationFailed', { message: 'Idempotency-Key must be 1 to 255 printable ASCII characters' });
    }
    const projectId = request.auth.key.projectId;
    const hash = fingerprint(request);
    const now = deps.clock.now();
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await keys.claimKey(deps.db, { projectId, key: header, requestHash: hash, now });
        request.idempotency = { projectId, key: header };
        return;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      const kept = await keys.findKey(deps.db, projectId, header);
      if (kept === undefined) continue;
      if (kept.createdAt <= now - IDEMPOTENCY_WINDOW_MS) {
        await keys.deleteKey(deps.db, projectId, header, kept.createdAt);
        continue;
      }
      if (kept.requestHash !== hash) throw new ApiError('IdempotencyKeyReused');
      if (kept.status === 0) throw new ApiError('IdempotencyKeyInFlight', { retryAfter: 1 });
      reply.header('idempotent-replayed', 'true');
      return reply.code(kept.status).type('application/json; charset=utf-8').send(kept.body);
    }
    throw new ApiError('IdempotencyKeyInFlight', { retryAfter: 1 });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const held = request.idempotency;
    if (held === null) return payload;
    request.idempotency = null;
    const status = reply.statusCode;
    if (status >= 500 || status === 429) await keys.deleteKey(deps.db, held.projectId, held.key);
    else await keys.storeAnswer(deps.db, held.projectId, held.key, status, typeof payload === 'string' ? payload : String(payload));
    return payload;
  });
}
