// Client sessions: what an access token stands for, and a session's end (a ticket is redeemed in
// services/redemption.ts, a session renewed in services/refresh.ts).
import type { Kysely } from 'kysely';
import { formatApiKey, hashSecret, newId, newSecret, parseApiKey } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findContact, toContact } from '../repos/contacts.ts';
import * as sessions from '../repos/sessions.ts';
import { type User, findUserById, findUserByIdNow, findUserByXcUserId, toUser } from '../repos/users.ts';
import type { ContactRow, DB, SessionKind, UserRow } from '../storage/schema.ts';
import type { SessionState } from '../repos/sessions.ts';
import type { Purpose, TokenClaims } from '../tokens.ts';
import { toClientUser, toLiveChatUser } from './user-view.ts';
import { parseId } from '../numeric-id.ts';

export const TICKET_PURPOSE: Record<SessionKind, Purpose> = { powertalk: 'auth_ticket', onetalk: 'livechat_ticket' };
const ACCESS_PURPOSE: Record<SessionKind, Purpose> = { powertalk: 'access', onetalk: 'livechat_access' };

export interface DeviceInfo {
  deviceId: string | null;
  platform: string | null;
}

export interface AccessAuth {
  projectId: string;
  kind: SessionKind;
  sessionId: string;
  subject: string;
}

/** The client-facing user of a session's subject from its row (a user, or a Live Chat contact). */
export function subjectView(kind: SessionKind, row: UserRow | ContactRow) {
  return kind === 'powertalk' ? toClientUser(toUser(row as UserRow)) : toLiveChatUser(toContact(row as ContactRow));
}

/** Loads the client-facing user object of a session's subject, or throws 40106. */
export async function loadUser(db: Kysely<DB>, kind: SessionKind, projectId: string, subject: string) {
  if (kind === 'powertalk') {
    const id = userIdOf(subject);
    return presentUser(id === undefined ? undefined : await findUserById(db, projectId, id));
  }
  const contact = await findContact(db, projectId, subject);
  if (contact === undefined) throw new ApiError('TokenUserNotFound');
  return toLiveChatUser(contact);
}

/** loadUser of a PowerTalk subject without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function loadPowertalkUserNow(db: Kysely<DB>, projectId: string, subject: string) {
  const id = userIdOf(subject);
  return presentUser(id === undefined ? undefined : findUserByIdNow(db, projectId, id));
}

/** A PowerTalk subject's user id, when it can be one. */
function userIdOf(subject: string): number | undefined {
  const id = Number(subject);
  return Number.isSafeInteger(id) ? id : undefined;
}

/** The client-facing user, or 40106 when it is gone. */
function presentUser(row: User | undefined) {
  if (row === undefined) throw new ApiError('TokenUserNotFound');
  return toClientUser(row);
}

/** A new one-time refresh token: its id, the secret shown once, and the hash that is stored. */
export function newRefreshToken(deps: Deps, now: number) {
  const id = newId('refreshToken');
  const secret = newSecret();
  return { id, secret, secretHash: hashSecret(secret), expiresAt: now + deps.ttl.refresh * 1000 };
}

/**
 * A redemption's or refresh's answer: the tokens of a session whose refresh token is stored (or about to
 * be, in the same statement), and its user. Built whole, not spread and extended: Node 20's V8 gives each
 * such object a map of its own (docs/performance.md).
 */
export function tokenBundle<U>(deps: Deps, session: SessionRef, refresh: { id: string; secret: string; expiresAt: number }, now: number, user: U) {
  const { token: accessToken, claims } = deps.signer.sign({
    pur: ACCESS_PURPOSE[session.kind],
    sub: session.subject,
    pid: session.projectId,
    sid: session.id,
    gen: session.generation,
    now,
    ttlSeconds: deps.ttl.access,
  });
  return {
    accessToken,
    accessTokenExpiry: claims.exp * 1000,
    refreshToken: formatApiKey(refresh.id, refresh.secret),
    refreshTokenExpiry: refresh.expiresAt,
    user,
  };
}

export interface SessionRef {
  id: string;
  projectId: string;
  kind: SessionKind;
  subject: string;
  generation: number;
}

export async function issueTokens<U>(deps: Deps, db: Kysely<DB>, session: SessionRef, now: number, user: U) {
  const refresh = newRefreshToken(deps, now);
  await sessions.insertRefreshToken(db, { id: refresh.id, sessionId: session.id, secretHash: refresh.secretHash, now, expiresAt: refresh.expiresAt });
  return tokenBundle(deps, session, refresh, now, user);
}

/** issueTokens without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function issueTokensNow<U>(deps: Deps, db: Kysely<DB>, session: SessionRef, now: number, user: U) {
  const refresh = newRefreshToken(deps, now);
  sessions.insertRefreshTokenNow(db, { id: refresh.id, sessionId: session.id, secretHash: refresh.secretHash, now, expiresAt: refresh.expiresAt });
  return tokenBundle(deps, session, refresh, now, user);
}

export function verifiedClaims(deps: Deps, token: string, presented: 'again' | 'once' = 'again'): TokenClaims {
  const claims = presented === 'once' ? deps.signer.verifyOnce(token) : deps.signer.verify(token);
  if (claims === undefined) throw new ApiError('TokenInvalid');
  return claims;
}

/**
 * Checks an access token on every authenticated client call. Tokens we issued that are expired,
 * superseded by a refresh, revoked, or of another kind answer 40104, so the SDK refreshes (and a
 * revoked session then fails its refresh and ends); tokens we never issued answer 40103.
 */
export async function authenticateAccess(deps: Deps, kind: SessionKind, projectId: string, token: string): Promise<AccessAuth> {
  if (parseApiKey(token)?.id.startsWith('rft_')) throw new ApiError('TokenExpired', { message: 'Not an access token' });
  const claims = verifiedClaims(deps, token);
  const problem = claimsProblem(deps, claims, kind, projectId);
  if (problem !== undefined) throw problem;
  const sid = claims.sid as string;
  const stateProblem = sessionProblem(await sessionState(deps, sid), claims, kind, projectId);
  if (stateProblem !== undefined) throw stateProblem;
  return { projectId, kind, sessionId: sid, subject: claims.sub };
}

function claimsProblem(deps: Deps, claims: TokenClaims, kind: SessionKind, projectId: string): ApiError | undefined {
  if (claims.pur !== ACCESS_PURPOSE[kind] || claims.sid === undefined) return new ApiError('TokenExpired', { message: 'Not an access token' });
  if (claims.pid !== projectId) return new ApiError('TokenWrongProject');
  if (claims.exp * 1000 <= deps.clock.now()) return new ApiError('TokenExpired');
  return undefined;
}

function sessionProblem(state: SessionState | undefined, claims: TokenClaims, kind: SessionKind, projectId: string): ApiError | undefined {
  if (state === undefined || state.revoked || state.projectId !== projectId) return new ApiError('TokenExpired', { message: 'Session has ended' });
  // A session authenticates its own subject and kind only, whatever a token claims.
  if (state.subject !== claims.sub || state.kind !== kind) return new ApiError('TokenInvalid');
  if (state.generation !== claims.gen) return new ApiError('TokenExpired', { message: 'Access token superseded by a refresh' });
  return undefined;
}

/**
 * authenticateAccess without waiting, for fast paths: the session when the token checks out and its
 * state is cached; undefined in every other case (the caller then takes the full path).
 */
export function cachedAccess(deps: Deps, kind: SessionKind, projectId: string, token: string | undefined): AccessAuth | undefined {
  const claims = token === undefined ? undefined : deps.signer.verify(token);
  if (claims === undefined || claimsProblem(deps, claims, kind, projectId) !== undefined) return undefined;
  const sid = claims.sid as string;
  const state = deps.authCache.sessions.get(sid);
  if (state === undefined || sessionProblem(state, claims, kind, projectId) !== undefined) return undefined;
  return { projectId, kind, sessionId: sid, subject: claims.sub };
}

/** The session's state from the cache, or from its row (one primary-key read). */
async function sessionState(deps: Deps, sessionId: string): Promise<SessionState | undefined> {
  const cached = deps.authCache.sessions.get(sessionId);
  if (cached !== undefined) return cached;
  const epoch = deps.authCache.epoch();
  const state = await sessions.findSessionState(deps.db, sessionId);
  if (state === undefined) return undefined;
  if (epoch === deps.authCache.epoch()) deps.authCache.sessions.set(sessionId, state);
  return state;
}

export async function logout(deps: Deps, auth: AccessAuth): Promise<void> {
  await sessions.revokeSession(deps.db, auth.sessionId, deps.clock.now(), 'logout');
  deps.authCache.invalidate({ kind: 'session', id: auth.sessionId });
  deps.metrics.revocations.inc({ reason: 'logout' });
}

/** Server API: ends every session of one user at once. Returns how many were live. */
export async function revokeUserSessions(deps: Deps, projectId: string, xcUserID: string): Promise<number> {
  const user = await findUserByXcUserId(deps.db, projectId, xcUserID);
  if (user === undefined) throw new ApiError('UserNotFound', { field: 'xcUserID' });
  const now = deps.clock.now();
  // Tickets handed out before now would otherwise start new sessions for the rest of their hour.
  await sessions.revokeUserTickets(deps.db, projectId, user.id, now);
  const n = await sessions.revokeSubjectSessions(deps.db, projectId, 'powertalk', String(user.id), now, 'server_revocation');
  deps.authCache.invalidate({ kind: 'sessions' });
  deps.metrics.revocations.inc({ reason: 'server_revocation' }, n);
  return n;
}

/** Server API: ends every session of the project created before `before` (epoch ms). */
export async function revokeSessionsBefore(deps: Deps, projectId: string, before: number): Promise<number> {
  const now = deps.clock.now();
  await sessions.revokeProjectTickets(deps.db, projectId, Math.min(before, now));
  const n = await sessions.revokeProjectSessionsBefore(deps.db, projectId, before, now);
  deps.authCache.invalidate({ kind: 'sessions' });
  deps.metrics.revocations.inc({ reason: 'project_revocation' }, n);
  return n;
}

export async function getUser(deps: Deps, projectId: string, by: { id: string } | { xcUserID: string }) {
  let row: User | undefined;
  if ('id' in by) {
    const id = parseId(by.id);
    row = id === undefined ? undefined : await findUserById(deps.db, projectId, id);
  } else {
    row = await findUserByXcUserId(deps.db, projectId, by.xcUserID);
  }
  if (row === undefined) throw new ApiError('UserNotFound');
  return toClientUser(row);
}

export async function getSessionUser(deps: Deps, auth: AccessAuth) {
  return loadUser(deps.db, auth.kind, auth.projectId, auth.subject);
}
