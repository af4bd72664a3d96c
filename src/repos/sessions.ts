import type { Kysely } from 'kysely';
import type { DB, SessionKind } from '../storage/schema.ts';
import { parseId } from '../numeric-id.ts';
import { Precompiled } from '../storage/precompiled.ts';

export interface NewSession {
  id: string;
  projectId: string;
  kind: SessionKind;
  subject: string;
  deviceId: string | null;
  platform: string | null;
  now: number;
}

// The statements of every redemption and refresh are compiled once (storage/precompiled.ts).
const INSERT_SESSION = new Precompiled<keyof NewSession, never>((db, slot) =>
  db.insertInto('sessions').values({
    id: slot('id'),
    project_id: slot('projectId'),
    kind: slot('kind'),
    subject: slot('subject'),
    generation: 1,
    device_id: slot('deviceId'),
    platform: slot('platform'),
    created_at: slot('now'),
    refreshed_at: slot('now'),
    revoked_at: null,
    revoke_reason: null,
  }),
);

export async function insertSession(db: Kysely<DB>, s: NewSession): Promise<void> {
  await INSERT_SESSION.execute(db, s);
}

/** insertSession without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function insertSessionNow(db: Kysely<DB>, s: NewSession): void {
  INSERT_SESSION.now(db, s);
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

const ADVANCE_SESSION = new Precompiled<'id' | 'now', { generation: number }>((db, slot) =>
  db
    .updateTable('sessions')
    .set((eb) => ({ generation: eb('generation', '+', 1), refreshed_at: slot('now') }))
    .where('id', '=', slot('id'))
    .where('revoked_at', 'is', null)
    .returning('generation'),
);

/** Bumps the generation (superseding older access tokens); undefined when the session is revoked. */
export async function advanceSession(db: Kysely<DB>, sessionId: string, now: number): Promise<number | undefined> {
  return (await ADVANCE_SESSION.execute(db, { id: sessionId, now })).rows[0]?.generation;
}

/** advanceSession without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function advanceSessionNow(db: Kysely<DB>, sessionId: string, now: number): number | undefined {
  return ADVANCE_SESSION.now(db, { id: sessionId, now }).rows[0]?.generation;
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

type NewRefreshToken = { id: string; sessionId: string; secretHash: string; now: number; expiresAt: number };
const INSERT_REFRESH_TOKEN = new Precompiled<keyof NewRefreshToken, never>((db, slot) =>
  db.insertInto('refresh_tokens').values({
    id: slot('id'),
    session_id: slot('sessionId'),
    secret_hash: slot('secretHash'),
    created_at: slot('now'),
    expires_at: slot('expiresAt'),
    used_at: null,
  }),
);

export async function insertRefreshToken(db: Kysely<DB>, t: NewRefreshToken): Promise<void> {
  await INSERT_REFRESH_TOKEN.execute(db, t);
}

/** insertRefreshToken without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function insertRefreshTokenNow(db: Kysely<DB>, t: NewRefreshToken): void {
  INSERT_REFRESH_TOKEN.now(db, t);
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

const REFRESH_TOKEN_COLUMNS = [
  'refresh_tokens.id',
  'refresh_tokens.session_id',
  'refresh_tokens.secret_hash',
  'refresh_tokens.expires_at',
  'refresh_tokens.used_at',
  'sessions.project_id',
  'sessions.kind',
  'sessions.subject',
  'sessions.revoked_at',
] as const;
const selectRefreshTokens = (db: Kysely<DB>) =>
  db.selectFrom('refresh_tokens').innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id').select(REFRESH_TOKEN_COLUMNS);
type RefreshTokenJoin = Awaited<ReturnType<ReturnType<typeof selectRefreshTokens>['executeTakeFirstOrThrow']>>;
const FIND_REFRESH_TOKEN = new Precompiled<'id', RefreshTokenJoin>((db, slot) => selectRefreshTokens(db).where('refresh_tokens.id', '=', slot('id')));

function toRecord(row: RefreshTokenJoin): RefreshTokenRecord {
  return {
    sessionId: row.session_id,
    secretHash: row.secret_hash,
    expiresAt: row.expires_at,
    used: row.used_at !== null,
    projectId: row.project_id,
    kind: row.kind,
    subject: row.subject,
    sessionRevoked: row.revoked_at !== null,
  };
}

export async function findRefreshToken(db: Kysely<DB>, id: string): Promise<RefreshTokenRecord | undefined> {
  const row = (await FIND_REFRESH_TOKEN.execute(db, { id })).rows[0];
  return row === undefined ? undefined : toRecord(row);
}

/** findRefreshToken without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function findRefreshTokenNow(db: Kysely<DB>, id: string): RefreshTokenRecord | undefined {
  const row = FIND_REFRESH_TOKEN.now(db, { id }).rows[0];
  return row === undefined ? undefined : toRecord(row);
}

/** The records of these refresh tokens, in their order (undefined where unknown): one read for all. */
export async function findRefreshTokens(db: Kysely<DB>, ids: string[]): Promise<Array<RefreshTokenRecord | undefined>> {
  const rows = await selectRefreshTokens(db).where('refresh_tokens.id', 'in', ids).execute();
  const byId = new Map(rows.map((row) => [row.id, toRecord(row)]));
  return ids.map((id) => byId.get(id));
}

const USE_REFRESH_TOKEN = new Precompiled<'id' | 'now', never>((db, slot) =>
  db
    .updateTable('refresh_tokens')
    .set({ used_at: slot('now') })
    .where('id', '=', slot('id'))
    .where('used_at', 'is', null),
);

/** Marks a refresh token used; false when another request used it first. */
export async function useRefreshToken(db: Kysely<DB>, id: string, now: number): Promise<boolean> {
  return ((await USE_REFRESH_TOKEN.execute(db, { id, now })).numAffectedRows ?? 0n) > 0n;
}

/** useRefreshToken without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function useRefreshTokenNow(db: Kysely<DB>, id: string, now: number): boolean {
  return (USE_REFRESH_TOKEN.now(db, { id, now }).numAffectedRows ?? 0n) > 0n;
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

const TICKETS_VALID_AFTER = new Precompiled<'projectId' | 'userId', { project: number; user: number | null }>((db, slot) =>
  db
    .selectFrom('projects as p')
    .leftJoin('users as u', (j) => j.onRef('u.project_id', '=', 'p.id').on('u.id', '=', slot('userId')))
    .select(['p.tickets_valid_after as project', 'u.tickets_valid_after as user'])
    .where('p.id', '=', slot('projectId')),
);

/**
 * The time before which tickets of this subject are refused: the later of the project's and, for a
 * PowerTalk user, the user's own (revocations set them).
 */
export async function ticketsValidAfter(db: Kysely<DB>, projectId: string, kind: SessionKind, subject: string): Promise<number> {
  const userId = (kind === 'powertalk' && parseId(subject)) || 0;
  const row = (await TICKETS_VALID_AFTER.execute(db, { projectId, userId })).rows[0];
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
