// PostgreSQL: a session's writes in one statement each. A ticket's whole redemption is one round trip
// and one commit instead of a transaction of eight (BEGIN, the ticket record, the revocation watermarks, the user, the login
// time, the session, the refresh token, COMMIT). Data-modifying CTEs see one snapshot and commit
// together: the ticket's record (its primary key refuses a second redemption), the session and its
// refresh token are written only when the ticket is not revoked and its subject exists, and the
// login time only when they were. SQLite keeps the transaction (services/sessions.ts): its statements
// cost no round trip, and its commits are shared by the turn's other redemptions.
import { type Kysely, sql } from 'kysely';
import type { ContactRow, DB, SessionKind, UserRow } from '../storage/schema.ts';
import type { TicketRow } from './tickets.ts';
import { parseId } from '../numeric-id.ts';

export interface Redemption {
  ticket: TicketRow;
  kind: SessionKind;
  /** The ticket's issue time in epoch ms, compared with the revocation watermarks. */
  issuedAt: number;
  session: { id: string; deviceId: string | null; platform: string | null };
  refresh: { id: string; secretHash: string; expiresAt: number };
  now: number;
}

/** The subject's row when the ticket was redeemed now; undefined when nothing was written. */
export async function redeemInOneStatement(db: Kysely<DB>, r: Redemption): Promise<UserRow | ContactRow | undefined> {
  const { ticket: t, now } = r;
  const ms = (value: number) => sql`${value}::bigint`;
  // The subject and the watermarks: a PowerTalk user (its own watermark and the project's), or a contact.
  const valid =
    r.kind === 'powertalk'
      ? sql`select 1 from projects p join users u on u.project_id = p.id and u.id = ${userIdOf(t.subject)}
            where p.id = ${t.project_id} and p.tickets_valid_after <= ${ms(r.issuedAt)} and u.tickets_valid_after <= ${ms(r.issuedAt)}`
      : sql`select 1 from projects p join contacts c on c.project_id = p.id and c.id = ${t.subject}
            where p.id = ${t.project_id} and p.tickets_valid_after <= ${ms(r.issuedAt)}`;
  const subject =
    r.kind === 'powertalk'
      ? sql`update users set last_login_at = ${ms(now)} where id = ${userIdOf(t.subject)} and exists (select 1 from refresh) returning *`
      : sql`select * from contacts where id = ${t.subject} and exists (select 1 from refresh)`;
  const result = await sql<UserRow | ContactRow>`
    with valid as (${valid}),
    ticket as (
      insert into tickets (jti, project_id, kind, subject, issued_at, expires_at, redeemed_at)
      select ${t.jti}, ${t.project_id}, ${r.kind}, ${t.subject}, ${ms(t.issued_at)}, ${ms(t.expires_at)}, ${ms(now)} from valid
      on conflict (jti) do update set redeemed_at = excluded.redeemed_at where tickets.redeemed_at is null
      returning jti
    ),
    session as (
      insert into sessions (id, project_id, kind, subject, generation, device_id, platform, created_at, refreshed_at)
      select ${r.session.id}, ${t.project_id}, ${r.kind}, ${t.subject}, 1, ${r.session.deviceId}, ${r.session.platform}, ${ms(now)}, ${ms(now)}
      from ticket
      returning id
    ),
    refresh as (
      insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
      select ${r.refresh.id}, id, ${r.refresh.secretHash}, ${ms(now)}, ${ms(r.refresh.expiresAt)} from session
      returning id
    ),
    subject as (${subject})
    select * from subject`.execute(db);
  return result.rows[0];
}

export interface Renewal {
  /** The presented refresh token, read and checked already. */
  refreshTokenId: string;
  sessionId: string;
  projectId: string;
  kind: SessionKind;
  subject: string;
  next: { id: string; secretHash: string; expiresAt: number };
  now: number;
}

/**
 * A refresh after its token was read and checked, in one statement instead of a transaction of six:
 * the token is used only if its subject still exists, the session advances only if the token was
 * used now (not by a racing refresh) and is not revoked, and the next token is stored only then.
 */
export interface RenewalResult {
  subjectExists: boolean;
  used: boolean;
  generation: number | undefined;
  row: UserRow | ContactRow;
}

export async function renewInOneStatement(db: Kysely<DB>, r: Renewal): Promise<RenewalResult> {
  const ms = (value: number) => sql`${value}::bigint`;
  const subject =
    r.kind === 'powertalk'
      ? sql`select * from users where project_id = ${r.projectId} and id = ${userIdOf(r.subject)}`
      : sql`select * from contacts where project_id = ${r.projectId} and id = ${r.subject}`;
  const result = await sql<(UserRow | ContactRow) & { _subjects: number; _used: number; _generation: number | null }>`
    with subject as (${subject}),
    used as (
      update refresh_tokens set used_at = ${ms(r.now)}
      where id = ${r.refreshTokenId} and used_at is null and exists (select 1 from subject)
      returning session_id
    ),
    advanced as (
      update sessions set generation = generation + 1, refreshed_at = ${ms(r.now)}
      where id = (select session_id from used) and revoked_at is null
      returning generation
    ),
    fresh as (
      insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
      select ${r.next.id}, ${r.sessionId}, ${r.next.secretHash}, ${ms(r.now)}, ${ms(r.next.expiresAt)} from advanced
      returning id
    )
    select s.*, (select count(*) from subject) as _subjects, (select count(*) from used) as _used,
      (select generation from advanced) as _generation
    from (select 1) as one left join subject s on true`.execute(db);
  const { _subjects, _used, _generation, ...row } = result.rows[0] as NonNullable<(typeof result.rows)[0]>;
  return { subjectExists: _subjects > 0, used: _used > 0, generation: _generation ?? undefined, row: row as UserRow | ContactRow };
}

/** A PowerTalk subject is a user id; anything else matches no user. */
export function userIdOf(subject: string): number {
  return parseId(subject) ?? 0;
}
