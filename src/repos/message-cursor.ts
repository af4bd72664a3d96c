// The messages table as the outbox of `message.sent` on SQLite: a cursor says up to which message id
// the dispatcher has written deliveries (migration 0016). SQLite has one writer, so ids grow in commit
// order and nothing committed can appear behind the cursor.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../storage/schema.ts';

const NAME = 'message.sent';

export interface UnannouncedMessage {
  id: number;
  projectId: string;
  roomId: string;
  createdAt: number;
}

export async function readCursor(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('webhook_cursors').select('last_id').where('name', '=', NAME).executeTakeFirst();
  return Number(row?.last_id ?? 0);
}

export async function moveCursor(db: Kysely<DB>, lastId: number): Promise<void> {
  await db.updateTable('webhook_cursors').set({ last_id: lastId }).where('name', '=', NAME).execute();
}

/** Whether any live endpoint of any project hears `message.sent` (the table is small). */
export async function anyMessageListener(db: Kysely<DB>): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('deleted_at', 'is', null)
    .where('events', 'like', '%"message.sent"%')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Moves the cursor past every stored message (nobody listens: nothing to announce). */
export async function skipToNewest(db: Kysely<DB>): Promise<void> {
  // Changing nothing when nothing is new: an idle node's rounds write nothing.
  const newest = sql`(select coalesce(max(id), 0) from messages)`;
  await sql`update webhook_cursors set last_id = ${newest} where name = ${NAME} and last_id < ${newest}`.execute(db);
}

/** The next `limit` messages after the cursor, oldest first. */
export async function messagesAfter(db: Kysely<DB>, after: number, limit: number): Promise<UnannouncedMessage[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'project_id', 'room_id', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: Number(r.id), projectId: r.project_id, roomId: r.room_id, createdAt: Number(r.created_at) }));
}

/** How many messages are past the cursor, and when the oldest of them was stored (null: none). */
export async function unannounced(db: Kysely<DB>): Promise<{ count: number; oldest: number | null }> {
  const after = await readCursor(db);
  const row = await db
    .selectFrom('messages')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('id', '>', after)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldest: row.oldest === null ? null : Number(row.oldest) };
}
