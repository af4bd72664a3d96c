// Scheduled messages: a row until its message is stored and delivered. Pending rows (no message yet)
// belong to their sender; a row with a message is only awaiting delivery (services/scheduler.ts).
import type { Kysely } from 'kysely';
import type { MessageExtra } from '../chat/message-extra.ts';
import { type DialectName, lockSkippingLocked } from '../storage/dialect.ts';
import type { DB } from '../storage/schema.ts';

/** The client's message as it will be stored (chat/message-input.ts ClientMessage without roomID). */
export interface ScheduledContent {
  localID: string;
  type: number;
  body: string;
  data: string;
  isHidden: boolean;
  extra: MessageExtra;
}

export interface Scheduled {
  id: number;
  projectId: string;
  roomId: string;
  senderId: number;
  content: ScheduledContent;
  scheduledAt: number;
  createdAt: number;
  updatedAt: number;
  /** The stored message, once there is one. */
  messageId: number | null;
}

type Row = {
  id: number;
  project_id: string;
  room_id: string;
  sender_id: number;
  message: string;
  scheduled_at: number;
  created_at: number;
  updated_at: number;
  message_id: number | null;
};

function toScheduled(r: Row): Scheduled {
  return {
    id: Number(r.id),
    projectId: r.project_id,
    roomId: r.room_id,
    senderId: Number(r.sender_id),
    content: JSON.parse(r.message) as ScheduledContent,
    scheduledAt: Number(r.scheduled_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    messageId: r.message_id === null ? null : Number(r.message_id),
  };
}

const COLUMNS = ['id', 'project_id', 'room_id', 'sender_id', 'message', 'scheduled_at', 'created_at', 'updated_at', 'message_id'] as const;

/** Inserts a pending row; undefined when the sender has a row with this localID already (a retry). */
export async function insertScheduled(
  db: Kysely<DB>,
  s: { projectId: string; roomId: string; senderId: number; content: ScheduledContent; scheduledAt: number; now: number },
): Promise<number | undefined> {
  const rows = await db
    .insertInto('scheduled_messages')
    .values({
      project_id: s.projectId,
      room_id: s.roomId,
      sender_id: s.senderId,
      local_id: s.content.localID,
      message: JSON.stringify(s.content),
      scheduled_at: s.scheduledAt,
      created_at: s.now,
      updated_at: s.now,
    })
    .onConflict((oc) => oc.columns(['project_id', 'sender_id', 'local_id']).doNothing())
    .returning('id')
    .execute();
  return rows[0] === undefined ? undefined : Number(rows[0].id);
}

export async function findScheduledByLocalId(db: Kysely<DB>, projectId: string, senderId: number, localID: string): Promise<Scheduled | undefined> {
  const row = await db
    .selectFrom('scheduled_messages')
    .select(COLUMNS)
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('local_id', '=', localID)
    .executeTakeFirst();
  return row === undefined ? undefined : toScheduled(row);
}

/** A sender's pending row, by id. */
export async function findPending(db: Kysely<DB>, projectId: string, senderId: number, id: number): Promise<Scheduled | undefined> {
  const row = await db
    .selectFrom('scheduled_messages')
    .select(COLUMNS)
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('id', '=', id)
    .where('message_id', 'is', null)
    .executeTakeFirst();
  return row === undefined ? undefined : toScheduled(row);
}

/** A sender's pending rows in a room, soonest first. */
export async function listPending(db: Kysely<DB>, projectId: string, senderId: number, roomId: string): Promise<Scheduled[]> {
  const rows = await db
    .selectFrom('scheduled_messages')
    .select(COLUMNS)
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('room_id', '=', roomId)
    .where('message_id', 'is', null)
    .orderBy('scheduled_at')
    .orderBy('id')
    .execute();
  return rows.map(toScheduled);
}

export async function countPending(db: Kysely<DB>, projectId: string, senderId: number, roomId: string): Promise<number> {
  const row = await db
    .selectFrom('scheduled_messages')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('room_id', '=', roomId)
    .where('message_id', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Changes a pending row (its time, or its content); false when there is no such pending row. */
export async function updatePending(
  db: Kysely<DB>,
  projectId: string,
  senderId: number,
  id: number,
  change: { scheduledAt?: number; content?: ScheduledContent },
  now: number,
): Promise<boolean> {
  const result = await db
    .updateTable('scheduled_messages')
    .set({
      ...(change.scheduledAt === undefined ? {} : { scheduled_at: change.scheduledAt }),
      ...(change.content === undefined ? {} : { message: JSON.stringify(change.content), local_id: change.content.localID }),
      updated_at: now,
    })
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('id', '=', id)
    .where('message_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Deletes a sender's pending rows of a room; returns the ids deleted. */
export async function deletePending(db: Kysely<DB>, projectId: string, senderId: number, roomId: string, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .deleteFrom('scheduled_messages')
    .where('project_id', '=', projectId)
    .where('sender_id', '=', senderId)
    .where('room_id', '=', roomId)
    .where('id', 'in', ids)
    .where('message_id', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Pending rows due by `now` (of every project), soonest first: candidates, not yet claimed. */
export async function findDue(db: Kysely<DB>, now: number, limit: number): Promise<Scheduled[]> {
  const rows = await db
    .selectFrom('scheduled_messages')
    .select(COLUMNS)
    .where('message_id', 'is', null)
    .where('scheduled_at', '<=', now)
    .orderBy('scheduled_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toScheduled);
}

/**
 * Claims pending rows among `ids` for this transaction: locked, and skipped when another node holds
 * them (it is sending them) or they are no longer pending. Ordered by room, so that every claimer
 * takes the rooms' locks (nextRoomEvent) in one order.
 */
export async function claimPending(trx: Kysely<DB>, dialect: DialectName, ids: number[]): Promise<Scheduled[]> {
  if (ids.length === 0) return [];
  const query = trx.selectFrom('scheduled_messages').select(COLUMNS).where('id', 'in', ids).where('message_id', 'is', null).orderBy('room_id').orderBy('id');
  return (await lockSkippingLocked(query, dialect).execute()).map(toScheduled);
}

export async function markStored(trx: Kysely<DB>, id: number, messageId: number, now: number): Promise<void> {
  await trx.updateTable('scheduled_messages').set({ message_id: messageId, stored_at: now }).where('id', '=', id).execute();
}

/** Rows whose message was stored at or before `before` and that are still here: their delivery may have been lost. */
export async function findUndelivered(db: Kysely<DB>, before: number, limit: number): Promise<number[]> {
  const rows = await db
    .selectFrom('scheduled_messages')
    .select('id')
    .where('message_id', 'is not', null)
    .where('stored_at', '<=', before)
    .orderBy('stored_at')
    .limit(limit)
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Claims undelivered rows among `ids` (as claimPending) and restarts their lease at `now`. */
export async function claimUndelivered(trx: Kysely<DB>, dialect: DialectName, ids: number[], before: number, now: number): Promise<Scheduled[]> {
  if (ids.length === 0) return [];
  const query = trx
    .selectFrom('scheduled_messages')
    .select(COLUMNS)
    .where('id', 'in', ids)
    .where('message_id', 'is not', null)
    .where('stored_at', '<=', before)
    .orderBy('id');
  const rows = (await lockSkippingLocked(query, dialect).execute()).map(toScheduled);
  if (rows.length > 0) {
    await trx
      .updateTable('scheduled_messages')
      .set({ stored_at: now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
  }
  return rows;
}

export async function deleteScheduled(db: Kysely<DB>, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('scheduled_messages').where('id', 'in', ids).execute();
}
