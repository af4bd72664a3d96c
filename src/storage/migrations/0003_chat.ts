// Frozen: rooms, their members, messages (with each room's event sequence), a user's contacts,
// and each session's `new_and_updated` cursor.
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';
  // Flags are 0/1 integers on both databases, so queries bind the same values.
  const bool = 'integer';

  await db.schema
    .createTable('rooms')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('xc_room_id', 'text', (c) => c.notNull())
    .addColumn('image_thumbnail', 'text', (c) => c.notNull())
    .addColumn('image_fullsize', 'text', (c) => c.notNull())
    .addColumn('color', 'text', (c) => c.notNull())
    .addColumn('is_deleted', bool, (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', ms, (c) => c.notNull().defaultTo(0))
    // Bumped by every stored event of the room; carried by broker notes for gap detection.
    .addColumn('seq', ms, (c) => c.notNull().defaultTo(0))
    // Time of the latest event, kept strictly increasing so no two messages of a room share a
    // `created` (the SDKs page history by it).
    .addColumn('last_event_at', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('rooms_pk', ['project_id', 'id'])
    .execute();
  await db.schema.createIndex('rooms_xc_room_id').on('rooms').columns(['project_id', 'xc_room_id']).execute();

  await db.schema
    .createTable('room_members')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('is_admin', bool, (c) => c.notNull().defaultTo(0))
    .addColumn('joined_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('room_members_pk', ['project_id', 'room_id', 'user_id'])
    .addForeignKeyConstraint('room_members_room', ['project_id', 'room_id'], 'rooms', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('room_members_user').on('room_members').columns(['project_id', 'user_id']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', ms, (c) => c.notNull())
    .addColumn('local_id', 'text', (c) => c.notNull())
    .addColumn('type', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    // The rest of the client's message (quote, replyTo, forwardFrom, target, filterID, recipientID, action) as JSON.
    .addColumn('extra', 'text', (c) => c.notNull())
    .addColumn('is_hidden', bool, (c) => c.notNull())
    .addColumn('is_delivered', bool, (c) => c.notNull())
    .addColumn('is_read', bool, (c) => c.notNull())
    .addColumn('is_deleted', bool, (c) => c.notNull())
    .addColumn('is_edited', bool, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addColumn('deleted_at', ms, (c) => c.notNull())
    .addForeignKeyConstraint('messages_room', ['project_id', 'room_id'], 'rooms', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    // A client replaying its queue after a reconnect must not create a second message.
    .addUniqueConstraint('messages_sender_local_id', ['project_id', 'sender_id', 'local_id'])
    .execute();
  await db.schema.createIndex('messages_room_created').on('messages').columns(['project_id', 'room_id', 'created_at']).execute();
  // A room's event times strictly increase, so this index also finds the events a node missed.
  await db.schema.createIndex('messages_room_updated').on('messages').columns(['project_id', 'room_id', 'updated_at']).execute();

  await db.schema
    .createTable('user_contacts')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('contact_user_id', ms, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('user_contacts_pk', ['project_id', 'user_id', 'contact_user_id'])
    .execute();

  // Where each session's `new_and_updated` left off (epoch ms of the last change it returned).
  await db.schema
    .alterTable('sessions')
    .addColumn('sync_cursor', ms, (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('sync_cursor').execute();
  await db.schema.dropTable('user_contacts').execute();
  await db.schema.dropTable('messages').execute();
  await db.schema.dropTable('room_members').execute();
  await db.schema.dropTable('rooms').execute();
}
