// PostgreSQL: the ticket redemptions (and the refreshes, and new users' tickets) of one event-loop turn in one multi-row
// statement. Each is the single statement of repos/session-statements.ts written over a VALUES list:
// the same checks, the same data-modifying CTEs, one round trip and one commit for all of them. The
// ticket record's primary key still lets exactly one redemption of a ticket win, also across nodes.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { ContactRow, DB, SessionKind, UserRow } from '../storage/schema.ts';
import { TurnBatch } from '../storage/turn-batch.ts';
import { type RefreshTokenRecord, findRefreshToken, findRefreshTokens } from './sessions.ts';
import { type Redemption, type Renewal, type RenewalResult, redeemInOneStatement, renewInOneStatement, userIdOf } from './session-statements.ts';
import { type CreatedUser, type NewUser, newUserBatch } from './user-batches.ts';
import { type StoredProfile, findUserProfile, findUserProfiles, userKey } from './users.ts';

type ProfileKey = { projectId: string; xcUserID: string };

type Subject = UserRow | ContactRow;

export interface SessionBatches {
  /** Refresh tokens' records, read together before their refreshes. */
  lookup: TurnBatch<string, RefreshTokenRecord | undefined>;
  redeem: Record<SessionKind, TurnBatch<Redemption, Subject | undefined>>;
  renew: Record<SessionKind, TurnBatch<Renewal, RenewalResult>>;
  /** PowerTalk ticket requests' users not in the profile cache, read together. */
  profiles: TurnBatch<ProfileKey, StoredProfile | undefined>;
  /** New users of PowerTalk tickets (repos/user-batches.ts). */
  newUsers: TurnBatch<NewUser, CreatedUser>;
}

/** One batcher per kind and operation (a statement's subject is a user or a contact). */
export function sessionBatches(db: Kysely<DB>, onBatch: (operation: 'redeem' | 'refresh' | 'new_user', calls: number) => void = () => {}): SessionBatches {
  const redeem = (kind: SessionKind) =>
    new TurnBatch<Redemption, Subject | undefined>(
      (inputs) => redeemMany(db, kind, inputs),
      (input) => redeemInOneStatement(db, input),
      (input) => input.ticket.jti,
      (calls) => onBatch('redeem', calls),
    );
  const renew = (kind: SessionKind) =>
    new TurnBatch<Renewal, RenewalResult>(
      (inputs) => renewMany(db, kind, inputs),
      (input) => renewInOneStatement(db, input),
      (input) => input.sessionId,
      (calls) => onBatch('refresh', calls),
    );
  const lookup = new TurnBatch<string, RefreshTokenRecord | undefined>(
    (ids) => findRefreshTokens(db, ids),
    (id) => findRefreshToken(db, id),
    (id) => id,
  );
  return {
    lookup,
    redeem: { powertalk: redeem('powertalk'), onetalk: redeem('onetalk') },
    renew: { powertalk: renew('powertalk'), onetalk: renew('onetalk') },
    profiles: new TurnBatch<ProfileKey, StoredProfile | undefined>(
      (keys) => findUserProfiles(db, keys),
      (k) => findUserProfile(db, k.projectId, k.xcUserID),
      (k) => userKey(k.projectId, k.xcUserID),
    ),
    newUsers: newUserBatch(db, (calls) => onBatch('new_user', calls)),
  };
}

const big = (value: number) => sql`${value}::bigint`;
const text = (value: string | null) => sql`${value}::text`;
const values = (rows: RawBuilder<unknown>[]) => sql.join(rows);

/** The subjects of these redemptions, in their order; undefined where nothing was written (the ticket used or revoked, or no subject). */
export async function redeemMany(db: Kysely<DB>, kind: SessionKind, rs: Redemption[]): Promise<Array<Subject | undefined>> {
  const rows = rs.map(
    (r, i) => sql`(${i}::int, ${text(r.ticket.jti)}, ${text(r.ticket.project_id)}, ${text(r.ticket.subject)}, ${big(userIdOf(r.ticket.subject))},
      ${big(r.ticket.issued_at)}, ${big(r.ticket.expires_at)}, ${big(r.issuedAt)}, ${text(r.session.id)}, ${text(r.session.deviceId)},
      ${text(r.session.platform)}, ${text(r.refresh.id)}, ${text(r.refresh.secretHash)}, ${big(r.refresh.expiresAt)}, ${big(r.now)})`,
  );
  // The subject and the watermarks: a PowerTalk user (its own watermark and the project's), or a contact.
  const valid =
    kind === 'powertalk'
      ? sql`select input.* from input join projects p on p.id = input.project_id join users u on u.project_id = p.id and u.id = input.uid
            where p.tickets_valid_after <= input.valid_from and u.tickets_valid_after <= input.valid_from`
      : sql`select input.* from input join projects p on p.id = input.project_id join contacts c on c.project_id = p.id and c.id = input.subject
            where p.tickets_valid_after <= input.valid_from`;
  const subject =
    kind === 'powertalk'
      ? sql`update users u set last_login_at = x.now
            from (select v.uid, max(v.now) as now from valid v join refresh r on r.session_id = v.session_id group by v.uid) x
            where u.id = x.uid returning u.*`
      : sql`select c.* from contacts c where c.id in (select v.subject from valid v join refresh r on r.session_id = v.session_id)`;
  const result = await sql<Subject & { _i: number }>`
    with input (i, jti, project_id, subject, uid, issued_at, expires_at, valid_from, session_id, device_id, platform,
      refresh_id, refresh_hash, refresh_expires, now) as (values ${values(rows)}),
    valid as (${valid}),
    ticket as (
      insert into tickets (jti, project_id, kind, subject, issued_at, expires_at, redeemed_at)
      select jti, project_id, ${kind}, subject, issued_at, expires_at, now from valid
      on conflict (jti) do update set redeemed_at = excluded.redeemed_at where tickets.redeemed_at is null
      returning jti
    ),
    session as (
      insert into sessions (id, project_id, kind, subject, generation, device_id, platform, created_at, refreshed_at)
      select v.session_id, v.project_id, ${kind}, v.subject, 1, v.device_id, v.platform, v.now, v.now from valid v join ticket t on t.jti = v.jti
      returning id
    ),
    refresh as (
      insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
      select v.refresh_id, s.id, v.refresh_hash, v.now, v.refresh_expires from valid v join session s on s.id = v.session_id
      returning session_id
    ),
    subject as (${subject})
    select v.i as _i, s.* from valid v join refresh r on r.session_id = v.session_id
      join subject s on s.id = ${kind === 'powertalk' ? sql`v.uid` : sql`v.subject`}`.execute(db);
  const out: Array<Subject | undefined> = rs.map(() => undefined);
  for (const { _i, ...row } of result.rows) out[_i] = row as Subject;
  return out;
}

/** These refreshes (each token read and checked already), in their order: renewInOneStatement's answer for each. */
export async function renewMany(db: Kysely<DB>, kind: SessionKind, rs: Renewal[]): Promise<RenewalResult[]> {
  const rows = rs.map(
    (r, i) => sql`(${i}::int, ${text(r.refreshTokenId)}, ${text(r.sessionId)}, ${text(r.projectId)}, ${text(r.subject)}, ${big(userIdOf(r.subject))},
      ${text(r.next.id)}, ${text(r.next.secretHash)}, ${big(r.next.expiresAt)}, ${big(r.now)})`,
  );
  const subject =
    kind === 'powertalk'
      ? sql`select input.i as _i, u.* from input join users u on u.project_id = input.project_id and u.id = input.uid`
      : sql`select input.i as _i, c.* from input join contacts c on c.project_id = input.project_id and c.id = input.subject`;
  const result = await sql<Subject & { _i: number | null; _input: number; _used: boolean; _generation: number | null }>`
    with input (i, token_id, session_id, project_id, subject, uid, next_id, next_hash, next_expires, now) as (values ${values(rows)}),
    subject as (${subject}),
    used as (
      update refresh_tokens t set used_at = input.now from input
      where t.id = input.token_id and t.used_at is null and exists (select 1 from subject where subject._i = input.i)
      returning input.i, t.session_id
    ),
    advanced as (
      update sessions s set generation = s.generation + 1, refreshed_at = input.now from used join input on input.i = used.i
      where s.id = used.session_id and s.revoked_at is null
      returning used.i, s.generation
    ),
    fresh as (
      insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
      select input.next_id, input.session_id, input.next_hash, input.now, input.next_expires from input join advanced a on a.i = input.i
      returning id
    )
    select s.*, input.i as _input, used.i is not null as _used, a.generation as _generation
    from input left join subject s on s._i = input.i left join used on used.i = input.i left join advanced a on a.i = input.i`.execute(db);
  const out: RenewalResult[] = [];
  for (const { _i, _input, _used, _generation, ...row } of result.rows) {
    out[_input] = { subjectExists: _i !== null, used: _used, generation: _generation ?? undefined, row: row as Subject };
  }
  return out;
}
