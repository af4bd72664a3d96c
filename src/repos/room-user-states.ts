// Per-user state of rooms (docs/chat-state.md): mute, pin, marked unread, cleared, and the delivered
// and read watermarks. A row is made the first time any of it is set.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../storage/schema.ts';
import type { RoomUserStateTable } from '../storage/schema-state.ts';

export interface RoomUserState {
  roomId: string;
  userId: number;
  mutedUntil: number | null;
  pinnedAt: number | null;
  markedUnreadAt: number | null;
  clearedAt: number;
  deliveredUpto: number;
  deliveredAt: number;
  readUpto: number;
  readAt: number;
}

export type Choice = Partial<Pick<RoomUserStateTable, 'muted_until' | 'pinned_at' | 'marked_unread_at'> & { cleared_at: number }>;

/** Sets the user's choices for each room (a row made where there was none). */
export async function setChoice(db: Kysely<DB>, projectId: string, userId: number, roomIds: string[], choice: Choice): Promise<void> {
  if (roomIds.length === 0) return;
  await db
    .insertInto('room_user_states')
    .values(
      roomIds.map((roomId) => ({
        project_id: projectId,
        user_id: userId,
        room_id: roomId,
        muted_until: null,
        pinned_at: null,
        marked_unread_at: null,
        ...choice,
      })),
    )
    .onConflict((oc) => oc.columns(['project_id', 'user_id', 'room_id']).doUpdateSet(choice))
    .execute();
}

/**
 * Moves the user's watermark in a room forward to `upto` (a message's created time), never back;
 * reading also counts as delivery and drops the room's "marked unread".
 */
export async function advanceWatermark(
  db: Kysely<DB>,
  projectId: string,
  userId: number,
  roomId: string,
  upto: number,
  read: boolean,
  now: number,
): Promise<void> {
  const forward = (col: 'read_upto' | 'delivered_upto') =>
    sql<number>`case when room_user_states.${sql.ref(col)} < ${upto} then ${upto} else room_user_states.${sql.ref(col)} end`;
  const at = (col: 'read_upto' | 'delivered_upto', atCol: 'read_at' | 'delivered_at') =>
    sql<number>`case when room_user_states.${sql.ref(col)} < ${upto} then ${now} else room_user_states.${sql.ref(atCol)} end`;
  const delivered = { delivered_upto: forward('delivered_upto'), delivered_at: at('delivered_upto', 'delivered_at') };
  await db
    .insertInto('room_user_states')
    .values({
      project_id: projectId,
      user_id: userId,
      room_id: roomId,
      muted_until: null,
      pinned_at: null,
      marked_unread_at: null,
      delivered_upto: upto,
      delivered_at: now,
      read_upto: read ? upto : 0,
      read_at: read ? now : 0,
    })
    .onConflict((oc) =>
      oc
        .columns(['project_id', 'user_id', 'room_id'])
        .doUpdateSet(read ? { ...delivered, read_upto: forward('read_upto'), read_at: at('read_upto', 'read_at'), marked_unread_at: null } : delivered),
    )
    .execute();
}

function toState(r: {
  room_id: string;
  user_id: number;
  muted_until: number | null;
  pinned_at: number | null;
  marked_unread_at: number | null;
  cleared_at: number;
  delivered_upto: number;
  delivered_at: number;
  read_upto: number;
  read_at: number;
}): RoomUserState {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    roomId: r.room_id,
    userId: Number(r.user_id),
    mutedUntil: n(r.muted_until),
    pinnedAt: n(r.pinned_at),
    markedUnreadAt: n(r.marked_unread_at),
    clearedAt: Number(r.cleared_at),
    deliveredUpto: Number(r.delivered_upto),
    deliveredAt: Number(r.delivered_at),
    readUpto: Number(r.read_upto),
    readAt: Number(r.read_at),
  };
}

/** The user's rows (of the given rooms, or all). */
export async function statesOfUser(db: Kysely<DB>, projectId: string, userId: number, roomIds?: string[]): Promise<RoomUserState[]> {
  if (roomIds !== undefined && roomIds.length === 0) return [];
  let query = db.selectFrom('room_user_states').selectAll().where('project_id', '=', projectId).where('user_id', '=', userId);
  if (roomIds !== undefined) query = query.where('room_id', 'in', roomIds);
  return (await query.orderBy('room_id').execute()).map(toState);
}

/** Every member's row of a room. */
export async function statesOfRoom(db: Kysely<DB>, projectId: string, roomId: string): Promise<RoomUserState[]> {
  const rows = await db.selectFrom('room_user_states').selectAll().where('project_id', '=', projectId).where('room_id', '=', roomId).execute();
  return rows.map(toState);
}

/** For each of the rooms, how far anyone but `userId` has got: the highest watermarks of the others. */
export async function othersWatermarks(
  db: Kysely<DB>,
  projectId: string,
  userId: number,
  roomIds: string[],
): Promise<Map<string, { readUpto: number; deliveredUpto: number }>> {
  if (roomIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('room_user_states')
    .select((eb) => ['room_id', eb.fn.max('read_upto').as('read_upto'), eb.fn.max('delivered_upto').as('delivered_upto')])
    .where('project_id', '=', projectId)
    .where('room_id', 'in', roomIds)
    .where('user_id', '<>', userId)
    .groupBy('room_id')
    .execute();
  return new Map(rows.map((r) => [r.room_id, { readUpto: Number(r.read_upto), deliveredUpto: Number(r.delivered_upto) }]));
}
