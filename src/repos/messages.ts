// Chat messages. Content (body, data, quote…) is the client's ciphertext, kept exactly as sent.
import { type Insertable, type Kysely, sql } from 'kysely';
import { type MessageExtra, extraJson, readStoredExtra } from '../chat/message-extra.ts';
import { Precompiled } from '../storage/precompiled.ts';
import { visibleTo } from './visibility.ts';
import type { DB, MessageRow, MessageTable } from '../storage/schema.ts';

export interface StoredMessage {
  id: number;
  projectId: string;
  roomId: string;
  senderId: number;
  localID: string;
  type: number;
  body: string;
  data: string;
  extra: MessageExtra;
  isHidden: boolean;
  isDelivered: boolean;
  isRead: boolean;
  isDeleted: boolean;
  isEdited: boolean;
  created: number;
  updated: number;
  deleted: number;
}

export function toMessage(r: MessageRow): StoredMessage {
  return {
    id: r.id,
    projectId: r.project_id,
    roomId: r.room_id,
    senderId: r.sender_id,
    localID: r.local_id,
    type: r.type,
    body: r.body,
    data: r.data,
    extra: readStoredExtra(r.extra),
    isHidden: r.is_hidden === 1,
    isDelivered: r.is_delivered === 1,
    isRead: r.is_read === 1,
    isDeleted: r.is_deleted === 1,
    isEdited: r.is_edited === 1,
    created: r.created_at,
    updated: r.updated_at,
    deleted: r.deleted_at,
  };
}

export type NewMessage = Omit<StoredMessage, 'id'>;

/**
 * A new message with the id its insert returned, field by field in toMessage's order, so both make
 * objects of one shape. Not `{ ...m, id }`: Node 20's V8 gives each object spread and then extended a
 * map of its own, and every site that reads such objects misses its inline cache (docs/performance.md).
 */
export function withId(m: NewMessage, id: number): StoredMessage {
  return {
    id,
    projectId: m.projectId,
    roomId: m.roomId,
    senderId: m.senderId,
    localID: m.localID,
    type: m.type,
    body: m.body,
    data: m.data,
    extra: m.extra,
    isHidden: m.isHidden,
    isDelivered: m.isDelivered,
    isRead: m.isRead,
    isDeleted: m.isDeleted,
    isEdited: m.isEdited,
    created: m.created,
    updated: m.updated,
    deleted: m.deleted,
  };
}

const MESSAGE_FIELDS = [
  'project_id',
  'room_id',
  'sender_id',
  'local_id',
  'type',
  'body',
  'data',
  'extra',
  'is_hidden',
  'is_delivered',
  'is_read',
  'is_deleted',
  'is_edited',
  'created_at',
  'updated_at',
  'deleted_at',
] as const;
type MessageField = (typeof MESSAGE_FIELDS)[number];

// The hottest write of the chat: compiled once (storage/precompiled.ts).
const INSERT_MESSAGE = new Precompiled<MessageField, { id: number }>((db, slot) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(MESSAGE_FIELDS.map((f) => [f, slot(f)])) as Insertable<MessageTable>)
    .onConflict((oc) => oc.columns(['project_id', 'sender_id', 'local_id']).doNothing())
    .returning('id'),
);

/** Inserts a message; undefined when the sender already sent this localID (a replay). */
export async function insertMessage(db: Kysely<DB>, m: NewMessage): Promise<number | undefined> {
  // Runs to completion (better-sqlite3 `.all()`): a half-stepped INSERT … RETURNING pins the WAL.
  const { rows } = await INSERT_MESSAGE.execute(db, messageValues(m));
  return rows[0]?.id;
}

/** insertMessage without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function insertMessageNow(db: Kysely<DB>, m: NewMessage): number | undefined {
  return INSERT_MESSAGE.now(db, messageValues(m)).rows[0]?.id;
}

function messageValues(m: NewMessage): Record<MessageField, unknown> {
  return {
    project_id: m.projectId,
    room_id: m.roomId,
    sender_id: m.senderId,
    local_id: m.localID,
    type: m.type,
    body: m.body,
    data: m.data,
    // The SDK's default sub-objects are shared and serialised once (chat/message-extra.ts).
    extra: extraJson(m.extra),
    is_hidden: m.isHidden ? 1 : 0,
    is_delivered: m.isDelivered ? 1 : 0,
    is_read: m.isRead ? 1 : 0,
    is_deleted: m.isDeleted ? 1 : 0,
    is_edited: m.isEdited ? 1 : 0,
    created_at: m.created,
    updated_at: m.updated,
    deleted_at: m.deleted,
  };
}

// A replayed message's lookup, in the replay's transaction (services/messages.ts): compiled once, so it can run at once there.
const FIND_BY_LOCAL_ID = new Precompiled<'projectId' | 'senderId' | 'localID', MessageRow>((db, slot) =>
  db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', slot('projectId'))
    .where('sender_id', '=', slot('senderId'))
    .where('local_id', '=', slot('localID')),
);

export async function findMessageByLocalId(db: Kysely<DB>, projectId: string, senderId: number, localID: string): Promise<StoredMessage | undefined> {
  const row = (await FIND_BY_LOCAL_ID.execute(db, { projectId, senderId, localID })).rows[0];
  return row === undefined ? undefined : toMessage(row);
}

/** findMessageByLocalId without a promise, where precompiled statements run at once (`runsAtOnce`). */
export function findMessageByLocalIdNow(db: Kysely<DB>, projectId: string, senderId: number, localID: string): StoredMessage | undefined {
  const row = FIND_BY_LOCAL_ID.now(db, { projectId, senderId, localID }).rows[0];
  return row === undefined ? undefined : toMessage(row);
}

export async function findMessagesByIds(db: Kysely<DB>, projectId: string, ids: number[]): Promise<StoredMessage[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', 'in', ids)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toMessage);
}

/**
 * A message changed since it was created (migration 0017: `updated_at` starts equal to `created_at`,
 * and a change sets it to the room's next event time, later than any before it). Written as the
 * partial index `messages_room_changed` is, so that SQLite and PostgreSQL use it.
 */
const changed = (t: 'messages' | 'm') => sql<boolean>`${sql.ref(`${t}.updated_at`)} > ${sql.ref(`${t}.created_at`)}`;

/**
 * A message whose latest event (`updated_at`) fell in (after, upTo], in the two parts the indexes find:
 * unchanged messages by their creation time (`(room, created)`), changed ones in the index of changed
 * messages (`lastEventIn`: both).
 */
export function unchangedIn(t: 'messages' | 'm', after: number, upTo: number) {
  const [created, updated] = [sql.ref(`${t}.created_at`), sql.ref(`${t}.updated_at`)];
  return sql<boolean>`${updated} = ${created} and ${created} > ${after} and ${created} <= ${upTo}`;
}

export function changedIn(t: 'messages' | 'm', after: number, upTo: number) {
  const updated = sql.ref(`${t}.updated_at`);
  return sql<boolean>`${changed(t)} and ${updated} > ${after} and ${updated} <= ${upTo}`;
}

/** Later than any event time (epoch ms): an open upper bound. */
const MAX_TIME = Number.MAX_SAFE_INTEGER;

const lastEventIn = (t: 'messages' | 'm', after: number, upTo: number) => sql<boolean>`((${unchangedIn(t, after, upTo)}) or (${changedIn(t, after, upTo)}))`;

/** Newest first, `created < maxCreated` (0 = no bound), as `viewer` sees the room. */
export async function listBefore(
  db: Kysely<DB>,
  projectId: string,
  roomId: string,
  viewer: number,
  maxCreated: number,
  limit: number,
): Promise<StoredMessage[]> {
  let query = db.selectFrom('messages').selectAll().where('project_id', '=', projectId).where('room_id', '=', roomId).where(visibleTo('messages', viewer));
  if (maxCreated > 0) query = query.where('created_at', '<', maxCreated);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toMessage);
}

/** Created at/after `minCreated`, or changed after `lastUpdated`, as `viewer` sees the room. */
export async function listAfter(
  db: Kysely<DB>,
  projectId: string,
  roomId: string,
  viewer: number,
  minCreated: number,
  lastUpdated: number,
  limit: number,
): Promise<StoredMessage[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    // `updated_at > lastUpdated`, as the indexes hold it: an unchanged message's is its creation time.
    .where((eb) => eb.or([eb('created_at', '>=', Math.min(minCreated, Math.floor(lastUpdated) + 1)), changedIn('messages', lastUpdated, MAX_TIME)]))
    .where(visibleTo('messages', viewer))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toMessage);
}

/** A room's messages whose latest event fell in (after, before) (epoch ms): what a node missed on the broker. */
export async function listChangedBetween(db: Kysely<DB>, projectId: string, roomId: string, after: number, before: number): Promise<StoredMessage[]> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .where(lastEventIn('messages', after, Math.ceil(before) - 1))
    .orderBy('updated_at')
    .execute();
  return rows.map(toMessage);
}

export type MessageChange = Partial<{
  body: string;
  data: string;
  extra: MessageExtra;
  isDelivered: boolean;
  isRead: boolean;
  isDeleted: boolean;
  isEdited: boolean;
  deleted: number;
}>;

/**
 * Applies a change made at `now` (the room event's time) and answers the message as stored after it,
 * changes committed meanwhile included; undefined when the row is gone.
 */
export async function updateMessage(db: Kysely<DB>, id: number, change: MessageChange, now: number): Promise<StoredMessage | undefined> {
  const flag = (v: boolean | undefined) => (v === undefined ? undefined : v ? 1 : 0);
  const set = {
    body: change.body,
    data: change.data,
    extra: change.extra === undefined ? undefined : extraJson(change.extra),
    is_delivered: flag(change.isDelivered),
    is_read: flag(change.isRead),
    is_deleted: flag(change.isDeleted),
    is_edited: flag(change.isEdited),
    deleted_at: change.deleted,
    updated_at: now,
  };
  const rows = await db
    .updateTable('messages')
    .set(Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)))
    .where('id', '=', id)
    .returningAll()
    .execute();
  return rows[0] === undefined ? undefined : toMessage(rows[0]);
}
