// Rooms and their members. Flags are stored as 0/1 and mapped to booleans here.
import { type Kysely, sql } from 'kysely';
import { Precompiled } from '../storage/precompiled.ts';
import { unreadFromOthersOf } from './message-lists.ts';
import type { DB, RoomRow } from '../storage/schema.ts';

export interface Room {
  projectId: string;
  id: string;
  type: number;
  name: string;
  xcRoomID: string;
  imageThumbnail: string;
  imageFullsize: string;
  color: string;
  isDeleted: boolean;
  deletedAt: number;
  /** Chat users write nothing into a locked room (a closed case's room): docs/livechat.md. */
  isLocked: boolean;
  lockedAt: number;
  seq: number;
  createdAt: number;
  updatedAt: number;
}

export interface Member {
  userId: number;
  isAdmin: boolean;
}

/** A room with its members, as the chat services pass it around (and cache it). */
export interface RoomState {
  room: Room;
  members: Member[];
  /** Personal rooms: the participants who blocked the other (cached with the room, dropped on every change). */
  blockers?: number[];
}

export function toRoom(r: RoomRow): Room {
  return {
    projectId: r.project_id,
    id: r.id,
    type: r.type,
    name: r.name,
    xcRoomID: r.xc_room_id,
    imageThumbnail: r.image_thumbnail,
    imageFullsize: r.image_fullsize,
    color: r.color,
    isDeleted: r.is_deleted === 1,
    deletedAt: r.deleted_at,
    isLocked: r.is_locked === 1,
    lockedAt: r.locked_at,
    seq: r.seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function findRoom(db: Kysely<DB>, projectId: string, roomId: string): Promise<Room | undefined> {
  const row = await db.selectFrom('rooms').selectAll().where('project_id', '=', projectId).where('id', '=', roomId).executeTakeFirst();
  return row === undefined ? undefined : toRoom(row);
}

export async function findRoomByXcRoomId(db: Kysely<DB>, projectId: string, xcRoomID: string): Promise<Room | undefined> {
  const row = await db
    .selectFrom('rooms')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('xc_room_id', '=', xcRoomID)
    .where('is_deleted', '=', 0)
    .executeTakeFirst();
  return row === undefined ? undefined : toRoom(row);
}

export type NewRoom = Pick<Room, 'projectId' | 'id' | 'type' | 'name' | 'xcRoomID' | 'imageThumbnail' | 'imageFullsize' | 'color'> & { now: number };

/** Inserts the room unless it exists (two first messages of a personal room may race). */
export async function insertRoom(db: Kysely<DB>, room: NewRoom): Promise<void> {
  await db
    .insertInto('rooms')
    .values({
      project_id: room.projectId,
      id: room.id,
      type: room.type,
      name: room.name,
      xc_room_id: room.xcRoomID,
      image_thumbnail: room.imageThumbnail,
      image_fullsize: room.imageFullsize,
      color: room.color,
      created_at: room.now,
      updated_at: room.now,
    })
    .onConflict((oc) => oc.columns(['project_id', 'id']).doNothing())
    .execute();
}

/** What a room update may change: its details, or deleting it (at `now`). */
export type RoomChange = Partial<Pick<Room, 'name' | 'imageThumbnail' | 'imageFullsize' | 'color'>> & { deleted?: true };

export async function updateRoom(db: Kysely<DB>, projectId: string, roomId: string, change: RoomChange, now: number): Promise<void> {
  const set = {
    name: change.name,
    image_thumbnail: change.imageThumbnail,
    image_fullsize: change.imageFullsize,
    color: change.color,
    ...(change.deleted ? { is_deleted: 1, deleted_at: now } : {}),
    updated_at: now,
  };
  await db
    .updateTable('rooms')
    .set(Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)))
    .where('project_id', '=', projectId)
    .where('id', '=', roomId)
    .execute();
}

/** Locks the room (at `now`) or unlocks it; the caller drops the cached room state on every node (hub.roomChanged). */
export async function setRoomLock(db: Kysely<DB>, projectId: string, roomId: string, locked: boolean, now: number): Promise<void> {
  await db
    .updateTable('rooms')
    .set({ is_locked: locked ? 1 : 0, locked_at: locked ? now : 0, updated_at: now })
    .where('project_id', '=', projectId)
    .where('id', '=', roomId)
    .execute();
}

/** A room's event: its sequence number and its time (both strictly increasing per room). */
export interface RoomEvent {
  seq: number;
  at: number;
}

// Runs once per chat message: compiled once (storage/precompiled.ts).
const NEXT_ROOM_EVENT = new Precompiled<'now' | 'projectId' | 'roomId', { seq: number; last_event_at: number }>((db, slot) =>
  db
    .updateTable('rooms')
    .set((eb) => ({
      seq: eb('seq', '+', 1),
      last_event_at: sql<number>`case when last_event_at >= ${slot('now')} then last_event_at + 1 else ${slot('now')} end`,
    }))
    .where('project_id', '=', slot('projectId'))
    .where('id', '=', slot('roomId'))
    .returning(['seq', 'last_event_at']),
);

/**
 * Takes the room's next event: its sequence number, and its time — `now`, or just after the room's
 * previous event, so a room's events never share a millisecond (the SDKs page history by
 * `created`). On PostgreSQL this holds the room's row lock until the transaction ends, so a room's
 * events commit in sequence order. Undefined if there is no room.
 */
export async function nextRoomEvent(db: Kysely<DB>, projectId: string, roomId: string, now: number): Promise<RoomEvent | undefined> {
  return toRoomEvent((await NEXT_ROOM_EVENT.execute(db, { now, projectId, roomId })).rows[0]);
}

/** nextRoomEvent without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function nextRoomEventNow(db: Kysely<DB>, projectId: string, roomId: string, now: number): RoomEvent | undefined {
  return toRoomEvent(NEXT_ROOM_EVENT.now(db, { now, projectId, roomId }).rows[0]);
}

const toRoomEvent = (row: { seq: number; last_event_at: number } | undefined): RoomEvent | undefined =>
  row === undefined ? undefined : { seq: row.seq, at: row.last_event_at };

export async function listMembers(db: Kysely<DB>, projectId: string, roomId: string): Promise<Member[]> {
  const rows = await db
    .selectFrom('room_members')
    .select(['user_id', 'is_admin'])
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .orderBy('joined_at')
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({ userId: r.user_id, isAdmin: r.is_admin === 1 }));
}

export async function addMembers(db: Kysely<DB>, projectId: string, roomId: string, members: Member[], now: number): Promise<void> {
  if (members.length === 0) return;
  await db
    .insertInto('room_members')
    .values(members.map((m) => ({ project_id: projectId, room_id: roomId, user_id: m.userId, is_admin: m.isAdmin ? 1 : 0, joined_at: now })))
    .onConflict((oc) => oc.columns(['project_id', 'room_id', 'user_id']).doNothing())
    .execute();
}

export async function removeMembers(db: Kysely<DB>, projectId: string, roomId: string, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.deleteFrom('room_members').where('project_id', '=', projectId).where('room_id', '=', roomId).where('user_id', 'in', userIds).execute();
}

export async function setAdmins(db: Kysely<DB>, projectId: string, roomId: string, userIds: number[], isAdmin: boolean): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .updateTable('room_members')
    .set({ is_admin: isAdmin ? 1 : 0 })
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .where('user_id', 'in', userIds)
    .execute();
}

/** Everyone who shares a room with the user (for presence). */
export async function roomPeersOfUser(db: Kysely<DB>, projectId: string, userId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('room_members as mine')
    .innerJoin('room_members as other', (j) => j.onRef('other.project_id', '=', 'mine.project_id').onRef('other.room_id', '=', 'mine.room_id'))
    .select('other.user_id')
    .distinct()
    .where('mine.project_id', '=', projectId)
    .where('mine.user_id', '=', userId)
    .where('other.user_id', '<>', userId)
    .execute();
  return rows.map((r) => r.user_id);
}

/** Rooms of the user, not deleted, holding a visible message from someone else that is not read. */
export async function unreadRoomIdsOfUser(db: Kysely<DB>, projectId: string, userId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('room_members as rm')
    .innerJoin('rooms as r', (j) => j.onRef('r.project_id', '=', 'rm.project_id').onRef('r.id', '=', 'rm.room_id'))
    .select('rm.room_id')
    .where('rm.project_id', '=', projectId)
    .where('rm.user_id', '=', userId)
    .where('r.is_deleted', '=', 0)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('messages as m')
          .select('m.id')
          .whereRef('m.project_id', '=', 'rm.project_id')
          .whereRef('m.room_id', '=', 'rm.room_id')
          .where(unreadFromOthersOf(userId)),
      ),
    )
    .orderBy('rm.room_id')
    .execute();
  return rows.map((r) => r.room_id);
}

/** Groups (not deleted) that both users are in, most recently active first. */
export async function commonGroupIds(db: Kysely<DB>, projectId: string, a: number, b: number): Promise<string[]> {
  const rows = await db
    .selectFrom('room_members as x')
    .innerJoin('room_members as y', (j) => j.onRef('y.project_id', '=', 'x.project_id').onRef('y.room_id', '=', 'x.room_id'))
    .innerJoin('rooms as r', (j) => j.onRef('r.project_id', '=', 'x.project_id').onRef('r.id', '=', 'x.room_id'))
    .select('r.id')
    .where('x.project_id', '=', projectId)
    .where('x.user_id', '=', a)
    .where('y.user_id', '=', b)
    .where('r.type', '=', 2)
    .where('r.is_deleted', '=', 0)
    .orderBy('r.last_event_at', 'desc')
    .orderBy('r.id')
    .execute();
  return rows.map((r) => r.id);
}

/** The rooms the user is in, deleted ones left out. */
export async function roomIdsOfUser(db: Kysely<DB>, projectId: string, userId: number): Promise<Set<string>> {
  const rows = await db
    .selectFrom('room_members as rm')
    .innerJoin('rooms as r', (j) => j.onRef('r.project_id', '=', 'rm.project_id').onRef('r.id', '=', 'rm.room_id'))
    .select('rm.room_id')
    .where('rm.project_id', '=', projectId)
    .where('rm.user_id', '=', userId)
    .where('r.is_deleted', '=', 0)
    .execute();
  return new Set(rows.map((r) => r.room_id));
}
