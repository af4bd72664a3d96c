// What the server API keeps of its rooms beyond the chat core: tags, and the user roles a room
// admits (a user holding one is a participant), found by role when a user gets it.
import type { Kysely } from 'kysely';
import { Precompiled } from '../storage/precompiled.ts';
import type { DB } from '../storage/schema.ts';

export async function setRoomTags(db: Kysely<DB>, projectId: string, roomId: string, tags: string[]): Promise<void> {
  await db
    .updateTable('rooms')
    .set({ tags: JSON.stringify(tags) })
    .where('project_id', '=', projectId)
    .where('id', '=', roomId)
    .execute();
}

/** Replaces the roles a room admits. */
export async function setRoomRoles(db: Kysely<DB>, projectId: string, roomId: string, roles: string[]): Promise<void> {
  await db.deleteFrom('room_roles').where('project_id', '=', projectId).where('room_id', '=', roomId).execute();
  if (roles.length === 0) return;
  await db
    .insertInto('room_roles')
    .values(roles.map((role) => ({ project_id: projectId, role, room_id: roomId })))
    .execute();
}

// Asked at every new user's ticket that carries a role: compiled once.
const ROOMS_ADMITTING_ROLE = new Precompiled<'projectId' | 'role', { room_id: string }>((db, slot) =>
  db
    .selectFrom('room_roles as rr')
    .innerJoin('rooms as r', (j) => j.onRef('r.project_id', '=', 'rr.project_id').onRef('r.id', '=', 'rr.room_id'))
    .select('rr.room_id')
    .where('rr.project_id', '=', slot('projectId'))
    .where('rr.role', '=', slot('role'))
    .where('r.is_deleted', '=', 0),
);

/** The live rooms admitting `role`. */
export async function findRoomsAdmittingRole(db: Kysely<DB>, projectId: string, role: string): Promise<string[]> {
  const { rows } = await ROOMS_ADMITTING_ROLE.execute(db, { projectId, role });
  return rows.map((r) => r.room_id);
}

/** The user's personal rooms that exist (have had a message), the most recently active first. */
export async function personalRoomsOfUser(db: Kysely<DB>, projectId: string, userId: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('room_members as m')
    .innerJoin('rooms as r', (j) => j.onRef('r.project_id', '=', 'm.project_id').onRef('r.id', '=', 'm.room_id'))
    .select('r.id')
    .where('m.project_id', '=', projectId)
    .where('m.user_id', '=', userId)
    .where('r.type', '=', 1)
    .orderBy('r.last_event_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}
