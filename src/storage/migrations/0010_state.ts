// Frozen: per-user state of rooms and messages. One row per (user, room) holds what the user chose
// for the room (muted until, pinned, marked unread, cleared up to) and how far the user has got in it
// (delivered and read watermarks: the created time of the newest message the user received / read),
// so a receipt in a group is one row per member, not one per message per member. Stars and hidden
// ("deleted for me") messages are per user; pinned messages are per room.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('room_user_states')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', ms, (c) => c.notNull())
    // No foreign key to rooms: a personal room's row is only created by its first message.
    .addColumn('room_id', 'text', (c) => c.notNull())
    // null: not muted; 0: muted until unmuted; else muted until this time (epoch ms).
    .addColumn('muted_until', ms)
    .addColumn('pinned_at', ms)
    .addColumn('marked_unread_at', ms)
    .addColumn('cleared_at', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_upto', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('delivered_at', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('read_upto', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('read_at', ms, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('room_user_states_pk', ['project_id', 'user_id', 'room_id'])
    .execute();
  // Every member's watermarks of one room (message details).
  await db.schema.createIndex('room_user_states_room').on('room_user_states').columns(['project_id', 'room_id']).execute();
  // Until now a message's flags said whether anyone got or read it: every member starts from there.
  const newest = (flag: string) =>
    sql`coalesce((select max(m.created_at) from messages m where m.project_id = rm.project_id and m.room_id = rm.room_id and m.sender_id <> rm.user_id and ${sql.ref(`m.${flag}`)} = 1), 0)`;
  await sql`insert into room_user_states (project_id, user_id, room_id, delivered_upto, read_upto)
    select rm.project_id, rm.user_id, rm.room_id, ${newest('is_delivered')}, ${newest('is_read')} from room_members rm`.execute(db);

  await db.schema
    .createTable('message_stars')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('message_id', ms, (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('message_stars_pk', ['project_id', 'user_id', 'message_id'])
    .execute();
  await db.schema.createIndex('message_stars_room').on('message_stars').columns(['project_id', 'user_id', 'room_id']).execute();

  await db.schema
    .createTable('message_pins')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('message_id', ms, (c) => c.notNull())
    .addColumn('pinned_by', ms, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('message_pins_pk', ['project_id', 'room_id', 'message_id'])
    .execute();

  await db.schema
    .createTable('message_hides')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('message_id', ms, (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('message_hides_pk', ['project_id', 'user_id', 'message_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('message_hides').execute();
  await db.schema.dropTable('message_pins').execute();
  await db.schema.dropTable('message_stars').execute();
  await db.schema.dropTable('room_user_states').execute();
}
