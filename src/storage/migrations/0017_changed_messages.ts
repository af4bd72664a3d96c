// Frozen: a message's `updated_at` index holds only the messages changed since they were created.
// A message is created with `updated_at = created_at`, and every change sets `updated_at` to the
// room's next event time, which is later than every event before it in the room: so
// `updated_at > created_at` is exactly "changed since created". The queries by change time ask the
// `(room, created)` index for the unchanged and this one for the changed (repos/messages.ts). A new
// message then costs one index entry less: with 64 busy rooms that entry was a page of its own in
// most commits, ≈ 10 µs of a message's ≈ 40 in SQLite (docs/performance.md, "2026-12-06, eighth session").
//
// A user's rooms by membership come from `room_members_user` alone, with the room ids in it: without
// them SQLite preferred to read every membership of the project through the primary key's index, which
// holds the room id (the queries of a user's changed messages, repos/message-lists.ts).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_room_updated').execute();
  await db.schema
    .createIndex('messages_room_changed')
    .on('messages')
    .columns(['project_id', 'room_id', 'updated_at'])
    .where(sql.ref('updated_at'), '>', sql.ref('created_at'))
    .execute();
  await db.schema.dropIndex('room_members_user').execute();
  await db.schema.createIndex('room_members_user').on('room_members').columns(['project_id', 'user_id', 'room_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_room_changed').execute();
  await db.schema.createIndex('messages_room_updated').on('messages').columns(['project_id', 'room_id', 'updated_at']).execute();
  await db.schema.dropIndex('room_members_user').execute();
  await db.schema.createIndex('room_members_user').on('room_members').columns(['project_id', 'user_id']).execute();
}
