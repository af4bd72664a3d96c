// The room list's queries (spec §7.4): which messages a user's room list and new_and_updated may
// hold, chosen by their size before any content is read.
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { DB, MessageTable } from '../storage/schema.ts';
import { type StoredMessage, changedIn, findMessagesByIds, unchangedIn } from './messages.ts';
import { visibleTo } from './visibility.ts';

/**
 * The one rule of "unread" (for a query where the message table is `m`): a visible message, not
 * deleted, sent by someone other than `userId`, newer than the user's read watermark of its room
 * (docs/chat-state.md), and in a personal room not flagged read (the flag is the other user's).
 * Personal room ids hold a '-', group ids never do (spec §6).
 */
export function unreadFromOthersOf(userId: number) {
  return sql<boolean>`m.sender_id <> ${userId} and m.is_deleted = 0 and m.is_hidden = 0 and (m.is_read = 0 or m.room_id not like '%-%') and not exists (select 1 from room_user_states rs where rs.project_id = m.project_id and rs.user_id = ${userId} and rs.room_id = m.room_id and rs.read_upto >= m.created_at) and ${visibleTo('m', userId)}`;
}

/** A message the room list may include: what choosing needs, without its content. */
export interface RoomListCandidate {
  id: number;
  roomId: string;
  created: number;
  /** Characters of body, data and the extra fields: roughly what it adds to the answer. */
  size: number;
}

const contentSize = (eb: ExpressionBuilder<DB & { m: MessageTable }, 'm'>) =>
  sql<number>`length(${eb.ref('m.body')}) + length(${eb.ref('m.data')}) + length(${eb.ref('m.extra')})`;

/**
 * For the room list (spec §7.4), without content: the newest visible message of each of the user's
 * rooms (the most recently active `maxRooms`), newest first.
 */
export async function newestPerRoom(db: Kysely<DB>, projectId: string, userId: number, maxRooms: number): Promise<RoomListCandidate[]> {
  const rows = await db
    .selectFrom('room_members as rm')
    .innerJoin('messages as m', (j) => j.onRef('m.project_id', '=', 'rm.project_id').onRef('m.room_id', '=', 'rm.room_id'))
    .select((eb) => ['m.id', 'm.room_id', 'm.created_at', contentSize(eb).as('size')])
    .where('rm.project_id', '=', projectId)
    .where('rm.user_id', '=', userId)
    .where((eb) =>
      eb(
        'm.id',
        '=',
        eb
          .selectFrom('messages as l')
          .select('l.id')
          .whereRef('l.project_id', '=', 'rm.project_id')
          .whereRef('l.room_id', '=', 'rm.room_id')
          .where('l.is_hidden', '=', 0)
          .where(visibleTo('l', userId))
          .orderBy('l.created_at', 'desc')
          .orderBy('l.id', 'desc')
          .limit(1),
      ),
    )
    .orderBy('m.created_at', 'desc')
    .orderBy('m.id', 'desc')
    .limit(maxRooms)
    .execute();
  return rows.map((r) => ({ id: r.id, roomId: r.room_id, created: r.created_at, size: Number(r.size) }));
}

/** Visible messages from others the user has not read, at most `perRoom` newest of each room; newest first. */
export async function unreadFromOthers(db: Kysely<DB>, projectId: string, userId: number, perRoom: number): Promise<RoomListCandidate[]> {
  const ranked = db
    .selectFrom('room_members as rm')
    .innerJoin('messages as m', (j) => j.onRef('m.project_id', '=', 'rm.project_id').onRef('m.room_id', '=', 'rm.room_id'))
    .select((eb) => [
      'm.id',
      'm.room_id',
      'm.created_at',
      contentSize(eb).as('size'),
      eb.fn
        .agg<number>('row_number')
        .over((ob) => ob.partitionBy('m.room_id').orderBy('m.created_at', 'desc').orderBy('m.id', 'desc'))
        .as('rank'),
    ])
    .where('rm.project_id', '=', projectId)
    .where('rm.user_id', '=', userId)
    .where(unreadFromOthersOf(userId));
  const rows = await db.selectFrom(ranked.as('u')).selectAll().where('u.rank', '<=', perRoom).orderBy('u.created_at', 'desc').orderBy('u.id', 'desc').execute();
  return rows.map((r) => ({ id: r.id, roomId: r.room_id, created: r.created_at, size: Number(r.size) }));
}

/** Messages of the user's rooms created or changed in (after, upTo], oldest change first, without content. */
export async function changedBetween(
  db: Kysely<DB>,
  projectId: string,
  userId: number,
  after: number,
  upTo: number,
  limit: number,
): Promise<ChangeCandidate[]> {
  // The user's rooms first, then in each room the two indexes (messages.ts, `unchangedIn`, `changedIn`), a
  // query each: SQLite, asked with a join or one OR, went through every message of the rooms or the project.
  const rooms = db.selectFrom('room_members as rm').select('rm.room_id').where('rm.project_id', '=', projectId).where('rm.user_id', '=', userId);
  const part = (which: typeof unchangedIn) =>
    db
      .selectFrom('messages as m')
      .select((eb) => ['m.id', 'm.room_id', 'm.created_at', 'm.updated_at', contentSize(eb).as('size')])
      .where('m.project_id', '=', projectId)
      .where('m.room_id', 'in', rooms)
      .where(which('m', after, upTo))
      .where(visibleTo('m', userId));
  const rows = await part(unchangedIn).unionAll(part(changedIn)).orderBy('updated_at').orderBy('id').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, roomId: r.room_id, created: r.created_at, updated: r.updated_at, size: Number(r.size) }));
}

export interface ChangeCandidate extends RoomListCandidate {
  updated: number;
}

/** Whole messages by id, newest first (ids in chunks, so any number may be asked for). */
export async function findMessagesNewestFirst(db: Kysely<DB>, projectId: string, ids: number[]): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await findMessagesByIds(db, projectId, ids.slice(i, i + 500))));
  return out.sort((a, b) => b.created - a.created || b.id - a.id);
}
