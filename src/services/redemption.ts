// POST …/auth/access_token/request: a ticket is redeemed once for a session, an access token and a
// one-time refresh token (the rest of a session's life is in services/sessions.ts).
import type { Kysely } from 'kysely';
import { newId } from '../credentials.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import type { SessionBatches } from '../repos/session-batches.ts';
import * as sessions from '../repos/sessions.ts';
import { findTicket, recordRedemption, recordRedemptionNow, ticketRow } from '../repos/tickets.ts';
import { loginUser, loginUserNow, toUser } from '../repos/users.ts';
import { runsAtOnce } from '../storage/precompiled.ts';
import type { DB, SessionKind, UserRow } from '../storage/schema.ts';
import type { TokenClaims } from '../tokens.ts';
import {
  type DeviceInfo,
  TICKET_PURPOSE,
  type SessionRef,
  issueTokens,
  issueTokensNow,
  loadUser,
  newRefreshToken,
  subjectView,
  tokenBundle,
  verifiedClaims,
} from './sessions.ts';
import { toClientUser } from './user-view.ts';

/**
 * The ticket must be ours, unexpired, of this API, of the App-Key's project, not revoked, and not yet
 * redeemed: the ticket's record, written at redemption, lets exactly one redemption win, also across
 * processes sharing PostgreSQL.
 */
export async function redeemTicket(deps: Deps, kind: SessionKind, projectId: string, ticket: string, device: DeviceInfo) {
  // A ticket is redeemed once: nothing to gain from caching its verification.
  const claims = verifiedClaims(deps, ticket, 'once');
  if (claims.pur !== TICKET_PURPOSE[kind]) throw new ApiError('TokenInvalid', { message: 'Not an auth ticket' });
  const now = deps.clock.now();
  if (claims.exp * 1000 <= now) throw new ApiError('TokenExpired', { message: 'Auth ticket expired' });
  if (claims.pid !== projectId) throw new ApiError('TokenWrongProject');
  const session: SessionRef = { id: newId('session'), projectId, kind, subject: claims.sub, generation: 1 };
  const bundle =
    deps.sessionBatches === undefined
      ? await inTransaction(deps, claims, session, device, now)
      : await inOneStatement(deps, deps.sessionBatches, claims, session, device, now);
  deps.metrics.ticketsRedeemed.inc({ kind });
  return bundle;
}

/** Tickets without a millisecond issue time (from before it existed) count from their second's start. */
const issuedAt = (claims: TokenClaims) => claims.ims ?? claims.iat * 1000;

const used = () => new ApiError('TokenInvalid', { message: 'Auth ticket has already been used' });
const revoked = () => new ApiError('TokenInvalid', { message: 'Auth ticket has been revoked' });

/** SQLite: the checks and writes in one transaction, whose commit the turn's other redemptions share. */
function inTransaction(deps: Deps, claims: TokenClaims, session: SessionRef, device: DeviceInfo, now: number) {
  return deps.writes.run((trx) => redeemedAtOnce(deps, trx, claims, session, device, now) ?? redeemed(deps, trx, claims, session, device, now));
}

/** The redemption's statements awaited one by one (PostgreSQL aside, which redeems in one statement). */
async function redeemed(deps: Deps, trx: Kysely<DB>, claims: TokenClaims, session: SessionRef, device: DeviceInfo, now: number) {
  const { kind, projectId } = session;
  if (!(await recordRedemption(trx, ticketRow(kind, claims), now))) throw used();
  const user = kind === 'powertalk' ? await powertalkLogin(trx, claims, projectId, now) : await checkedSubject(trx, claims, kind, projectId);
  await sessions.insertSession(trx, newSession(session, device, now));
  return issueTokens(deps, trx, session, now, user);
}

/**
 * A PowerTalk user's redemption with no promise per statement, where they run at once (storage/precompiled.ts):
 * the same statements, the same answers and refusals. The login goes first, so that when there is no such
 * user nothing is written yet and the awaited way above answers (its reads tell why) in the same transaction;
 * a refusal after it throws, and the transaction undoes the login as it undoes any refused redemption's writes.
 */
function redeemedAtOnce(deps: Deps, trx: Kysely<DB>, claims: TokenClaims, session: SessionRef, device: DeviceInfo, now: number) {
  const id = Number(claims.sub);
  if (session.kind !== 'powertalk' || !runsAtOnce(trx) || !Number.isSafeInteger(id)) return undefined;
  const login = loginUserNow(trx, session.projectId, id, now);
  if (login === undefined) return undefined;
  if (!recordRedemptionNow(trx, ticketRow(session.kind, claims), now)) throw used();
  if (issuedAt(claims) < login.ticketsValidAfter) throw revoked();
  sessions.insertSessionNow(trx, newSession(session, device, now));
  return issueTokensNow(deps, trx, session, now, loggedIn(login.row));
}

/** The session's row: built whole, not `{ ...session, … }` (one map for every redemption, docs/performance.md). */
function newSession(session: SessionRef, device: DeviceInfo, now: number): sessions.NewSession {
  return {
    id: session.id,
    projectId: session.projectId,
    kind: session.kind,
    subject: session.subject,
    deviceId: device.deviceId,
    platform: device.platform,
    now,
  };
}

/** The subject once its ticket is known not to be revoked (the watermarks read first); 40106 when it is gone. */
async function checkedSubject(db: Kysely<DB>, claims: TokenClaims, kind: SessionKind, projectId: string) {
  if (issuedAt(claims) < (await sessions.ticketsValidAfter(db, projectId, kind, claims.sub))) throw revoked();
  return loadUser(db, kind, projectId, claims.sub);
}

/**
 * A PowerTalk user's login recorded, and the user and its watermarks read, in one statement; its ticket
 * then refused when revoked (the transaction undoes the write). When there is no such user, the
 * watermarks alone tell a revoked ticket from a user that is gone (40106), as they always did, first.
 */
async function powertalkLogin(db: Kysely<DB>, claims: TokenClaims, projectId: string, now: number) {
  const id = Number(claims.sub);
  const login = Number.isSafeInteger(id) ? await loginUser(db, projectId, id, now) : undefined;
  if (login === undefined) {
    await checkedSubject(db, claims, 'powertalk', projectId);
    throw new ApiError('TokenUserNotFound');
  }
  if (issuedAt(claims) < login.ticketsValidAfter) throw revoked();
  return loggedIn(login.row);
}

/** The user as a redemption answers it: the row its login wrote returned (RETURNING), so with that login's time. */
const loggedIn = (row: UserRow) => toClientUser(toUser(row));

/**
 * PostgreSQL: every write in one statement, shared with the turn's other redemptions (repos/session-batches.ts);
 * when it wrote nothing, reads tell why.
 */
async function inOneStatement(deps: Deps, batches: SessionBatches, claims: TokenClaims, session: SessionRef, device: DeviceInfo, now: number) {
  const { kind, projectId } = session;
  const refresh = newRefreshToken(deps, now);
  const row = await batches.redeem[kind].submit({
    ticket: ticketRow(kind, claims),
    kind,
    issuedAt: issuedAt(claims),
    session: { id: session.id, deviceId: device.deviceId, platform: device.platform },
    refresh,
    now,
  });
  if (row === undefined) throw await refusal(deps, claims, kind, projectId);
  const view = subjectView(kind, row);
  // The login just recorded, as the transaction's answer shows it.
  const user = kind === 'powertalk' ? { ...view, lastLogin: now, lastActivity: now } : view;
  return tokenBundle(deps, session, refresh, now, user);
}

/**
 * Why a redemption wrote nothing, in the order the transaction checks: used (returned), revoked or
 * subject gone (thrown by checkedSubject).
 */
async function refusal(deps: Deps, claims: TokenClaims, kind: SessionKind, projectId: string): Promise<ApiError> {
  if ((await findTicket(deps.db, claims.jti))?.redeemed_at != null) return used();
  await checkedSubject(deps.db, claims, kind, projectId);
  // Neither: something changed between the statement and these reads.
  return used();
}
