// Brute-force protection and rate limits, one rule for every realm and for the socket upgrade.
//
// The throttling rule. Refused credentials count against two subjects: the source (the client
// address, by the trusted-proxy rule of http/client-address.ts) and the presented credential (a
// SHA-256 of the credential values sent together, never the values). Never against a key id: App-Keys
// ship inside every client app, so anyone can name one.
// - A presented credential over its limit is refused outright (429) without being checked: it has
//   failed that often, and only its holders send it.
// - A source over its limit is not refused outright, because everyone behind one address (a NAT, a
//   proxy) shares it: each request's credential is still checked, and only a request whose check
//   fails gets 429 instead of its 4xx. The check itself is cheap for a guess (a malformed value, a
//   signature, one primary-key read); nothing past authentication runs for it.
// So a request whose credentials are valid is never refused because of anyone else's failures.
import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { ApiError, ERRORS } from '../errors.ts';
import { type StatusMode, sendError, toApiError } from './errors.ts';
import type { KeyType, SessionKind } from '../storage/schema.ts';
import { RequestWindows } from './request-windows.ts';

/** Codes that mean "a credential was wrong": they count towards the brute-force limits. */
export const CREDENTIAL_FAILURES = new Set<string>(
  (['KeyMalformed', 'KeyInvalid', 'AuthorizationInvalid', 'TokenInvalid', 'TokenWrongProject', 'InboxLoginFailed', 'InboxSessionInvalid'] as const).map(
    (name) => ERRORS[name].code,
  ),
);

export interface Attempt {
  /** `ip:<address>`, and `cred:<hash>` when a credential was presented. */
  subjects: string[];
  /** Seconds the source must still wait; 0 when it is under its limit. */
  sourceWait: number;
}

/** Whom a request's failures count against: its source address and the credential values it presents. */
export function attemptSubjects(address: string, credentials: readonly unknown[]): string[] {
  const subjects = [`ip:${address}`];
  if (credentials.some((c) => c !== undefined && c !== '')) subjects.push(credentialSubject(credentials));
  return subjects;
}

/** `cred:` + SHA-256 of the values (strings, or arrays of repeated headers), so no secret is kept. */
export function credentialSubject(credentials: readonly unknown[]): string {
  return `cred:${createHash('sha256').update(JSON.stringify(credentials)).digest('base64url')}`;
}

/** For answers before routing: whether the presented credential is over its failure limit (from memory). */
export function credentialOverLimit(deps: Deps, credentials: readonly unknown[]): boolean {
  // The common case, no credential limited anywhere: nothing to hash and look up.
  if (!deps.authGuard.mayRefuseCredentials()) return false;
  return deps.authGuard.waitsNow([credentialSubject(credentials)])[0] !== 0;
}

const tooMany = (retryAfter: number) => new ApiError('TooManyRequests', { message: 'Too many failed attempts; try again later', retryAfter });

/** Before the credential is checked: refuses a credential over its limit; notes the source's state. */
export async function admitAttempt(deps: Deps, subjects: string[]): Promise<Attempt> {
  const waits = await deps.authGuard.waits(subjects);
  const credentialWait = subjects.length > 1 ? (waits[1] ?? 0) : 0;
  if (credentialWait > 0) throw tooMany(credentialWait);
  return { subjects, sourceWait: waits[0] ?? 0 };
}

/** After a failed check: counts a credential failure, answered 429 when its source is over the limit. */
export async function judgeFailure(deps: Deps, attempt: Attempt, err: ApiError): Promise<ApiError> {
  if (!CREDENTIAL_FAILURES.has(err.code)) return err;
  deps.metrics.authFailures.inc({ code: err.code });
  await deps.authGuard.recordFailure(attempt.subjects);
  return attempt.sourceWait > 0 ? tooMany(attempt.sourceWait) : err;
}

declare module 'fastify' {
  interface FastifyRequest {
    attempt: Attempt | null;
  }
}

/** The values a request presents as its credential (header values, as received). */
export type CredentialsOf = (request: FastifyRequest) => unknown[];

/** Installs the rule on a realm, with the realm's error handler (its status mode). */
export function guardCredentials(app: FastifyInstance, deps: Deps, credentialsOf: CredentialsOf, mode: StatusMode): void {
  app.decorateRequest('attempt', null);
  app.addHook('onRequest', async (request) => {
    request.attempt = await admitAttempt(deps, attemptSubjects(request.ip, credentialsOf(request)));
  });
  // Credentials are also checked in handlers (tickets, refresh tokens): judged here, where every failure passes.
  app.setErrorHandler(async (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    let apiError = toApiError(err, request);
    if (request.attempt !== null) apiError = await judgeFailure(deps, request.attempt, apiError);
    return sendError(reply, apiError, mode);
  });
}

const RATE_WINDOW_MS = 60_000;

/**
 * Per-key request rate limit with X-RateLimit-* headers (server-to-server realms). Without Redis the
 * counts are in this process (http/request-windows.ts), where an answer before routing counts too.
 */
export async function limitRequestRate(app: FastifyInstance, deps: Deps, realm: KeyType, keyOf: (request: FastifyRequest) => string): Promise<void> {
  if (deps.rateLimitPerMinute === 0) return;
  // The library makes its store at registration: this one is also left where the realm's fast path finds it.
  const store = class extends RequestWindows {
    constructor() {
      super(deps.rateLimitPerMinute, RATE_WINDOW_MS, () => deps.clock.now());
      deps.requestWindows.set(realm, this);
    }
  };
  await app.register(rateLimit, {
    max: deps.rateLimitPerMinute,
    timeWindow: RATE_WINDOW_MS,
    keyGenerator: keyOf,
    // A Redis outage (logged once) lifts the limit rather than failing valid calls.
    ...(deps.redis === undefined ? { store } : { redis: deps.redis, nameSpace: `${deps.redisPrefix}rate:`, skipOnError: true }),
    errorResponseBuilder: (_request, context) => new ApiError('TooManyRequests', { message: 'Rate limit exceeded', retryAfter: Math.ceil(context.ttl / 1000) }),
  });
}

/**
 * Client calls per user (token bucket, this process), after the realm hook has named the user: over
 * the rate, 429 / 42900 with Retry-After. Calls without an access token are not a user's.
 */
export function limitUserCalls(app: FastifyInstance, deps: Deps, kind: SessionKind): void {
  app.addHook('onRequest', async (request) => {
    const auth = request.auth?.realm === 'client' ? request.auth.session : null;
    if (auth === null || request.routeOptions.config.userRate === false) return;
    const wait = deps.userRates.calls.take(`${kind}\0${auth.projectId}\0${auth.subject}`);
    if (wait > 0) throw new ApiError('TooManyRequests', { message: 'Too many calls; slow down', retryAfter: wait });
  });
}
