// POST …/auth/access_token/refresh: a one-time refresh token renews its session (the rest of a
// session's life is in services/sessions.ts).
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { parseApiKey, secretMatches } from '../credentials.ts';
import type { SessionBatches } from '../repos/session-batches.ts';
import * as sessions from '../repos/sessions.ts';
import { runsAtOnce } from '../storage/precompiled.ts';
import type { DB, SessionKind } from '../storage/schema.ts';
import { issueTokens, issueTokensNow, loadPowertalkUserNow, loadUser, newRefreshToken, subjectView, tokenBundle } from './sessions.ts';

/**
 * POST …/auth/access_token/refresh. Refresh tokens are one-time: each refresh returns a new one and
 * supersedes older access tokens. A used refresh token presented again means it leaked (or a race
 * lost): the whole session is revoked.
 */
export async function refreshSession(deps: Deps, kind: SessionKind, projectId: string, presented: string) {
  const parsed = parseApiKey(presented);
  if (parsed === undefined || !parsed.id.startsWith('rft_')) throw new ApiError('TokenInvalid');
  const now = deps.clock.now();
  // Either the new bundle, or the id of a session whose refresh token was presented again.
  const outcome =
    deps.sessionBatches === undefined
      ? await renewInTransaction(deps, kind, projectId, parsed, now)
      : await renewInOneStatement(deps, deps.sessionBatches, kind, projectId, parsed, now);
  if (typeof outcome === 'string') {
    // Committed outside the failed path so the revocation sticks.
    await sessions.revokeSession(deps.db, outcome, now, 'refresh_token_reuse');
    deps.authCache.invalidate({ kind: 'session', id: outcome });
    deps.metrics.revocations.inc({ reason: 'refresh_token_reuse' });
    throw new ApiError('TokenInvalid', { message: 'Refresh token already used; the session has been revoked' });
  }
  deps.authCache.invalidate({ kind: 'session', id: outcome.sessionId });
  deps.metrics.refreshes.inc({ kind });
  return outcome.tokens;
}

type Presented = { id: string; secret: string };
/** The session's new tokens with its user, and the session (whose cached entry the caller invalidates). */
type Renewed = { tokens: Awaited<ReturnType<typeof issueTokens<unknown>>>; sessionId: string };

/** The checks of a presented refresh token's record; its session's id when the token was used before. */
function refreshProblem(row: sessions.RefreshTokenRecord | undefined, presented: Presented, kind: SessionKind, projectId: string, now: number) {
  if (row === undefined || !secretMatches(presented.secret, row.secretHash) || row.kind !== kind) throw new ApiError('TokenInvalid');
  if (row.projectId !== projectId) throw new ApiError('TokenWrongProject');
  if (row.sessionRevoked) throw new ApiError('TokenInvalid', { message: 'Session has been revoked' });
  if (row.used) return row.sessionId;
  if (row.expiresAt <= now) throw new ApiError('TokenInvalid', { message: 'Refresh token expired' });
  return undefined;
}

/** SQLite: read, checks and writes in one transaction, whose commit the turn's other refreshes share. */
function renewInTransaction(deps: Deps, kind: SessionKind, projectId: string, presented: Presented, now: number): Promise<Renewed | string> {
  return deps.writes.run((trx) => renewedAtOnce(deps, trx, kind, projectId, presented, now) ?? renewed(deps, trx, kind, projectId, presented, now));
}

/** The refresh's statements awaited one by one (PostgreSQL aside, which renews in one statement). */
async function renewed(deps: Deps, trx: Kysely<DB>, kind: SessionKind, projectId: string, presented: Presented, now: number): Promise<Renewed | string> {
  const row = await sessions.findRefreshToken(trx, presented.id);
  const reused = refreshProblem(row, presented, kind, projectId, now);
  if (reused !== undefined || row === undefined) return reused as string;
  if (!(await sessions.useRefreshToken(trx, presented.id, now))) return row.sessionId;
  const generation = await sessions.advanceSession(trx, row.sessionId, now);
  if (generation === undefined) throw new ApiError('TokenInvalid', { message: 'Session has been revoked' });
  const user = await loadUser(trx, kind, projectId, row.subject);
  const session = { id: row.sessionId, projectId, kind, subject: row.subject, generation };
  return { tokens: await issueTokens(deps, trx, session, now, user), sessionId: row.sessionId };
}

/**
 * A PowerTalk session's refresh with no promise per statement, where they run at once (storage/precompiled.ts):
 * the same statements in the same order, the same answers and refusals. Undefined, having done nothing, elsewhere.
 */
function renewedAtOnce(deps: Deps, trx: Kysely<DB>, kind: SessionKind, projectId: string, presented: Presented, now: number): Renewed | string | undefined {
  if (kind !== 'powertalk' || !runsAtOnce(trx)) return undefined;
  const row = sessions.findRefreshTokenNow(trx, presented.id);
  const reused = refreshProblem(row, presented, kind, projectId, now);
  if (reused !== undefined || row === undefined) return reused as string;
  if (!sessions.useRefreshTokenNow(trx, presented.id, now)) return row.sessionId;
  const generation = sessions.advanceSessionNow(trx, row.sessionId, now);
  if (generation === undefined) throw new ApiError('TokenInvalid', { message: 'Session has been revoked' });
  const user = loadPowertalkUserNow(trx, projectId, row.subject);
  const session = { id: row.sessionId, projectId, kind, subject: row.subject, generation };
  return { tokens: issueTokensNow(deps, trx, session, now, user), sessionId: row.sessionId };
}

/** PostgreSQL: one read, then every write in one statement, shared with the turn's other refreshes (repos/session-batches.ts). */
async function renewInOneStatement(
  deps: Deps,
  batches: SessionBatches,
  kind: SessionKind,
  projectId: string,
  presented: Presented,
  now: number,
): Promise<Renewed | string> {
  const row = await batches.lookup.submit(presented.id);
  const reused = refreshProblem(row, presented, kind, projectId, now);
  if (reused !== undefined || row === undefined) return reused as string;
  const next = newRefreshToken(deps, now);
  const r = await batches.renew[kind].submit({
    refreshTokenId: presented.id,
    sessionId: row.sessionId,
    projectId,
    kind,
    subject: row.subject,
    next,
    now,
  });
  if (!r.subjectExists) throw new ApiError('TokenUserNotFound');
  if (!r.used) return row.sessionId;
  if (r.generation === undefined) throw new ApiError('TokenInvalid', { message: 'Session has been revoked' });
  const user = subjectView(kind, r.row);
  const session = { id: row.sessionId, projectId, kind, subject: row.subject, generation: r.generation };
  return { tokens: tokenBundle(deps, session, next, now, user), sessionId: row.sessionId };
}
