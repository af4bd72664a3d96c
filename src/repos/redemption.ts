// A ticket's whole redemption on PostgreSQL in one statement: one round trip and one commit instead
// of a transaction of eight (BEGIN, the ticket record, the revocation watermarks, the user, the login
// time, the session, the refresh token, COMMIT). Data-modifying CTEs see one snapshot and commit
// together: the ticket's record (its primary key refuses a second redemption), the session and its
// refresh token are written only when the ticket is not revoked and its subject exists, and the
// login time only when they were. SQLite keeps the transaction (services/sessions.ts): its statements
// cost no round trip, and its commits are shared by the turn's other redemptions.
import { type Kysely, sql } from 'kysely';
import type { ContactRow, DB, SessionKind, UserRow } from '../storage/schema.ts';
import type { TicketRow } from './tickets.ts';

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

/** A PowerTalk subject is a user id; anything else matches no user. */
function userIdOf(subject: string): number {
  return /^[1-9][0-9]{0,15}$/.test(subject) ? Number(subject) : 0;
}
