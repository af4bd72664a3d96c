import type { Kysely } from 'kysely';
import type { TicketRow } from './tickets.ts';
import type { DB, SessionKind } from '../storage/schema.ts';
import { parseId } from '../numeric-id.ts';

export interface NewSession {
  id: string;
  projectId: string;
  kind: SessionKind;
  subject: string;
  deviceId: string | null;
  platform: string | null;
  now: number;
}

export async function insertSession(db: Kysely<DB>, s: NewSession): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      id: s.id,
      project_id: s.projectId,
      kind: s.kind,
      subject: s.subject,
      generation: 1,
      device_id: s.deviceId,
      platform: s.platform,
      created_at: s.now,
      refreshed_at: s.now,
      revoked_at: null,
      revoke_reason: null,
    })
    .execute();
}

/** What an access-token check needs of a session (cached: security/auth-cache.ts). */
export interface SessionState {
  projectId: string;
  kind: SessionKind;
  subject: string;
  generation: number;
  revoked: boolean;
}

/** One primary-key read. */
export async function findSessionState(db: Kysely<DB>, sessionId: string): Promise<SessionState | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select(['project_id', 'kind', 'subject', 'generation', 'revoked_at'])
    .where('id', '=', sessionId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { projectId: row.project_id, kind: row.kind, subject: row.subject, generation: row.generation, revoked: row.revoked_at !== null };
}

/** Bumps the generation (superseding older access tokens); false when the session is revoked. */
export async function advanceSession(db: Kysely<DB>, sessionId: string, now: number): Promise<number | undefined> {
  const rows = await db
    .updateTable('sessions')
    .set((eb) => ({ generation: eb('generation', '+', 1), refreshed_at: now }))
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .returning('generation')
    .execute();
  return rows[0]?.generation;
}

export async function revokeSession(db: Kysely<DB>, sessionId: string, now: number, reason: string): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now, revoke_reason: reason }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

/** Revokes every live session of one subject; returns how many. */
export async function revokeSubjectSessions(
  db: Kysely<DB>,
  projectId: string,
  kind: SessionKind,
  subject: string,
  now: number,
  reason: string,
): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoke_reason: reason })
    .where('project_id', '=', projectId)
    .where('kind', '=', kind)
    .where('subject', '=', subject)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live session of a project created before `before`; returns how many. */
export async function revokeProjectSessionsBefore(db: Kysely<DB>, projectId: string, before: number, now: number): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoke_reason: 'project_revocation' })
    .where('project_id', '=', projectId)
    .where('created_at', '<', before)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertRefreshToken(
  db: Kysely<DB>,
  t: { id: string; sessionId: string; secretHash: string; now: number; expiresAt: number },
): Promise<void> {
  await db
    .insertInto('refresh_tokens')
    .values({ id: t.id, session_id: t.sessionId, secret_hash: t.secretHash, created_at: t.now, expires_at: t.expiresAt, used_at: null })
    .execute();
}

/** A refresh token with what its check needs of the session. */
export interface RefreshTokenRecord {
  sessionId: string;
  secretHash: string;
  expiresAt: number;
  used: boolean;
  projectId: string;
  kind: SessionKind;
  subject: string;
  sessionRevoked: boolean;
}

export async function findRefreshToken(db: Kysely<DB>, id: string): Promise<RefreshTokenRecord | undefined> {
  return (await findRefreshTokens(db, [id]))[0];
}

/** The records of these refresh tokens, in their order (undefined where unknown): one read for all. */
export async function findRefreshTokens(db: Kysely<DB>, ids: string[]): Promise<Array<RefreshTokenRecord | undefined>> {
  const rows = await db
    .selectFrom('refresh_tokens')
    .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
    .select([
      'refresh_tokens.id',
      'refresh_tokens.session_id',
      'refresh_tokens.secret_hash',
      'refresh_tokens.expires_at',
      'refresh_tokens.used_at',
      'sessions.project_id',
      'sessions.kind',
      'sessions.subject',
      'sessions.revoked_at',
    ])
    .where('refresh_tokens.id', ids.length === 1 ? '=' : 'in', ids.length === 1 ? (ids[0] as string) : ids)
    .execute();
  const byId = new Map(
    rows.map((row) => [
      row.id,
      {
        sessionId: row.session_id,
        secretHash: row.secret_hash,
        expiresAt: row.expires_at,
        used: row.used_at !== null,
        projectId: row.project_id,
        kind: row.kind,
        subject: row.subject,
        sessionRevoked: row.revoked_at !== null,
      },
    ]),
  );
  return ids.map((id) => byId.get(id));
}

/** Marks a refresh token used; false when another request used it first. */
export async function useRefreshToken(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  const result = await db.updateTable('refresh_tokens').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Records a ticket's redemption, the only write a ticket ever causes; false when its jti was redeemed
 * before (the primary key refuses the second, also when two nodes race). A row recorded unredeemed at
 * issuance by an older version is marked redeemed instead.
 */
export async function redeemTicket(db: Kysely<DB>, row: TicketRow, now: number): Promise<boolean> {
  const result = await db
    .insertInto('tickets')
    .values({ ...row, redeemed_at: now })
    .onConflict((oc) => oc.column('jti').doUpdateSet({ redeemed_at: now }).where('tickets.redeemed_at', 'is', null))
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Which of these sessions have ended. */
export async function findSessionsRevoked(db: Kysely<DB>, ids: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', ids.slice(i, i + 500))
      .where('revoked_at', 'is not', null)
      .execute();
    out.push(...rows.map((r) => r.id));
  }
  return out;
}

/** Where `new_and_updated` of this session starts from (epoch ms; 0 = from the beginning). */
export async function findSyncCursor(db: Kysely<DB>, sessionId: string): Promise<number> {
  const row = await db.selectFrom('sessions').select('sync_cursor').where('id', '=', sessionId).executeTakeFirst();
  return row?.sync_cursor ?? 0;
}

/** Moves the session's sync cursor forward (never back: answers may finish out of order). */
export async function advanceSyncCursor(db: Kysely<DB>, sessionId: string, to: number): Promise<void> {
  await db.updateTable('sessions').set({ sync_cursor: to }).where('id', '=', sessionId).where('sync_cursor', '<', to).execute();
}

/**
 * The time before which tickets of this subject are refused: the later of the project's and, for a
 * PowerTalk user, the user's own (revocations set them).
 */
export async function ticketsValidAfter(db: Kysely<DB>, projectId: string, kind: SessionKind, subject: string): Promise<number> {
  const userId = (kind === 'powertalk' && parseId(subject)) || 0;
  const row = await db
    .selectFrom('projects as p')
    .leftJoin('users as u', (j) => j.onRef('u.project_id', '=', 'p.id').on('u.id', '=', userId))
    .select(['p.tickets_valid_after as project', 'u.tickets_valid_after as user'])
    .where('p.id', '=', projectId)
    .executeTakeFirst();
  return Math.max(row?.project ?? 0, row?.user ?? 0);
}

/** Refuses every ticket of this user issued before `at`. */
export async function revokeUserTickets(db: Kysely<DB>, projectId: string, userId: number, at: number): Promise<void> {
  await db
    .updateTable('users')
    .set({ tickets_valid_after: at })
    .where('project_id', '=', projectId)
    .where('id', '=', userId)
    .where('tickets_valid_after', '<', at)
    .execute();
}

/** Refuses every ticket of the project issued before `at`. */
export async function revokeProjectTickets(db: Kysely<DB>, projectId: string, at: number): Promise<void> {
  await db.updateTable('projects').set({ tickets_valid_after: at }).where('id', '=', projectId).where('tickets_valid_after', '<', at).execute();
}
