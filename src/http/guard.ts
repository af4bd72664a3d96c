// Wires brute-force protection and rate limits into a realm.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import type { SessionKind } from '../storage/schema.ts';

/** Codes that mean "a credential was wrong": they count towards the brute-force limits. */
export const CREDENTIAL_FAILURES = new Set(['49102', '49103', '40102', '40103', '40105']);

/** Who is trying: the client address, and the key id when the header names one. */
export type SubjectsOf = (request: FastifyRequest) => string[];

export function guardCredentials(app: FastifyInstance, deps: Deps, subjectsOf: SubjectsOf): void {
  app.addHook('onRequest', async (request) => {
    const wait = await deps.authGuard.blockedFor(subjectsOf(request));
    if (wait > 0) {
      throw new ApiError('TooManyRequests', { message: 'Too many failed attempts; try again later', retryAfter: wait });
    }
  });
  app.addHook('onError', async (request, _reply, err) => {
    if (err instanceof ApiError && CREDENTIAL_FAILURES.has(err.code)) {
      deps.metrics.authFailures.inc({ code: err.code });
      await deps.authGuard.recordFailure(subjectsOf(request));
    }
  });
}

/** Per-key request rate limit with X-RateLimit-* headers (server-to-server realms). */
export async function limitRequestRate(app: FastifyInstance, deps: Deps, keyOf: (request: FastifyRequest) => string): Promise<void> {
  if (deps.rateLimitPerMinute === 0) return;
  await app.register(rateLimit, {
    max: deps.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: keyOf,
    ...(deps.redis === undefined ? {} : { redis: deps.redis, nameSpace: `${deps.redisPrefix}rate:` }),
    errorResponseBuilder: (_request, context) =>
      new ApiError('TooManyRequests', { message: 'Rate limit exceeded', retryAfter: Math.ceil(context.ttl / 1000) }),
  });
}

/**
 * Client calls per user (token bucket, this process), after the realm hook has named the user: over
 * the rate, 429 / 42900 with Retry-After. Calls without an access token are not a user's.
 */
export function limitUserCalls(app: FastifyInstance, deps: Deps, kind: SessionKind): void {
  app.addHook('onRequest', async (request) => {
    const auth = request.clientAuth;
    if (auth === null || request.routeOptions.config.userRate === false) return;
    const wait = deps.userRates.calls.take(`${kind}\0${auth.projectId}\0${auth.subject}`);
    if (wait > 0) throw new ApiError('TooManyRequests', { message: 'Too many calls; slow down', retryAfter: wait });
  });
}
