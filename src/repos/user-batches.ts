// PostgreSQL: the new users of one event-loop turn created in one statement. Their tickets' users go
// into one multi-row upsert, and the rooms admitting each given role take them as members in the same
// statement: one round trip and one commit (one WAL flush) for the turn instead of a transaction of
// four round trips and a flush per user (docs/performance.md). Each caller still waits for that
// commit, so an acknowledged userID is never lost.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../storage/schema.ts';
import { TurnBatch } from '../storage/turn-batch.ts';
import { onUserConflict, upsertValues, userColumns } from './user-upsert.ts';
import { type UserDevice, type UserProfile, userKey } from './users.ts';

export interface NewUser {
  projectId: string;
  profile: UserProfile;
  device: UserDevice;
  now: number;
}

export interface CreatedUser {
  id: number;
  /** False when the xcUserID existed after all (a request racing this one created it first): its row was updated. */
  inserted: boolean;
  /** The rooms (server API) the user joined by its role. */
  joined: string[];
}

/** Two calls for one xcUserID never share the statement (it must not write one row twice). */
export function newUserBatch(db: Kysely<DB>, onBatch: (calls: number) => void = () => {}): TurnBatch<NewUser, CreatedUser> {
  return new TurnBatch<NewUser, CreatedUser>(
    (inputs) => createUsers(db, inputs),
    async (input) => (await createUsers(db, [input]))[0] as CreatedUser,
    (input) => userKey(input.projectId, input.profile.xcUserID),
    onBatch,
  );
}

/**
 * Creates these users (or updates them where their xcUserID exists: the upsert of user-upsert.ts) and
 * makes each a member of the live rooms admitting the role it was given. Answers in the inputs' order.
 */
export async function createUsers(db: Kysely<DB>, inputs: NewUser[]): Promise<CreatedUser[]> {
  const upsert = db
    .insertInto('users')
    .values(
      inputs.map((u) => {
        const values = upsertValues(u.projectId, u.profile, u.device, u.now);
        return userColumns((field) => values[field]);
      }),
    )
    .onConflict(onUserConflict)
    .returning(['id', 'project_id', 'xc_user_id', sql<boolean>`xmax = 0`.as('inserted')]);
  // The roles as given (a role not given joins nothing, as in the one-user path), by input position.
  const given = {
    i: inputs.map((_, i) => i),
    project: inputs.map((u) => u.projectId),
    xc: inputs.map((u) => u.profile.xcUserID),
    role: inputs.map((u) => u.profile.userRoleCode ?? null),
    now: inputs.map((u) => u.now),
  };
  const result = await sql<{ i: number; id: string | number; inserted: boolean; joined: string[] }>`
    with upserted as (${upsert}),
    given as (
      select * from unnest(${given.i}::int[], ${given.project}::text[], ${given.xc}::text[], ${given.role}::text[], ${given.now}::bigint[])
        as g(i, project_id, xc_user_id, role, now)
    ),
    joined as (
      insert into room_members (project_id, room_id, user_id, is_admin, joined_at)
      select u.project_id, rr.room_id, u.id, 0, g.now
      from upserted u join given g on g.project_id = u.project_id and g.xc_user_id = u.xc_user_id
      join room_roles rr on rr.project_id = u.project_id and rr.role = g.role
      join rooms r on r.project_id = rr.project_id and r.id = rr.room_id and r.is_deleted = 0
      on conflict (project_id, room_id, user_id) do nothing
      returning user_id, room_id
    )
    select g.i, u.id, u.inserted,
      coalesce((select json_agg(j.room_id) from joined j where j.user_id = u.id), '[]'::json) as joined
    from upserted u join given g on g.project_id = u.project_id and g.xc_user_id = u.xc_user_id`.execute(db);
  const out: Array<CreatedUser | undefined> = inputs.map(() => undefined);
  for (const row of result.rows) out[row.i] = { id: Number(row.id), inserted: row.inserted, joined: row.joined };
  return out.map((user) => {
    if (user === undefined) throw new Error('the user upsert returned fewer rows than it was given');
    return user;
  });
}
