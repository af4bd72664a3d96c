// Marks on messages: stars (per user), pins (per room) and messages hidden for one user ("delete for
// me"). Each is a row; the message itself is not changed.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

type Kind = 'message_stars' | 'message_hides';

/** Stars or hides `ids` (messages of `roomId`) for the user; returns the ids that were new. */
export async function addUserMarks(
  db: Kysely<DB>,
  table: Kind,
  projectId: string,
  userId: number,
  roomId: string,
  ids: number[],
  now: number,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .insertInto(table)
    .values(ids.map((id) => ({ project_id: projectId, user_id: userId, message_id: id, room_id: roomId, created_at: now })))
    .onConflict((oc) => oc.columns(['project_id', 'user_id', 'message_id']).doNothing())
    .returning('message_id')
    .execute();
  return rows.map((r) => Number(r.message_id));
}

export async function removeUserMarks(db: Kysely<DB>, table: Kind, projectId: string, userId: number, roomId: string, ids?: number[]): Promise<number[]> {
  if (ids !== undefined && ids.length === 0) return [];
  let query = db.deleteFrom(table).where('project_id', '=', projectId).where('user_id', '=', userId).where('room_id', '=', roomId);
  if (ids !== undefined) query = query.where('message_id', 'in', ids);
  const rows = await query.returning('message_id').execute();
  return rows.map((r) => Number(r.message_id));
}

/** The user's marked message ids of a room, newest message first. */
export async function userMarkIds(db: Kysely<DB>, table: Kind, projectId: string, userId: number, roomId: string): Promise<number[]> {
  const rows = await db
    .selectFrom(table)
    .select('message_id')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('room_id', '=', roomId)
    .orderBy('message_id', 'desc')
    .execute();
  return rows.map((r) => Number(r.message_id));
}

/** Of `ids`, those the user hid. */
export async function hiddenAmong(db: Kysely<DB>, projectId: string, userId: number, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('message_hides')
    .select('message_id')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('message_id', 'in', ids)
    .execute();
  return new Set(rows.map((r) => Number(r.message_id)));
}

/** Pins `ids` in the room; returns the ids that were new. */
export async function addPins(db: Kysely<DB>, projectId: string, roomId: string, userId: number, ids: number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .insertInto('message_pins')
    .values(ids.map((id) => ({ project_id: projectId, room_id: roomId, message_id: id, pinned_by: userId, created_at: now })))
    .onConflict((oc) => oc.columns(['project_id', 'room_id', 'message_id']).doNothing())
    .returning('message_id')
    .execute();
  return rows.map((r) => Number(r.message_id));
}

export async function removePins(db: Kysely<DB>, projectId: string, roomId: string, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom('message_pins')
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .where('message_id', 'in', ids)
    .returning('message_id')
    .execute();
  return rows.map((r) => Number(r.message_id));
}

/** The room's pinned message ids, newest message first. */
export async function pinIds(db: Kysely<DB>, projectId: string, roomId: string): Promise<number[]> {
  const rows = await db
    .selectFrom('message_pins')
    .select('message_id')
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .orderBy('message_id', 'desc')
    .execute();
  return rows.map((r) => Number(r.message_id));
}
