// Frozen: uploaded files (chat files, user and group photos), the user photo list, and the pending
// uploads a sweep cleans up (a row first: written before any byte reaches the store).
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('files')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    // 'chat' (room_id set), 'user' (a profile photo), 'room' (a group photo, room_id set).
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('owner_id', ms, (c) => c.notNull())
    // image | video | audio | file: the link's path segment and how the file is served.
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('size', ms, (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('caption', 'text', (c) => c.notNull())
    .addColumn('has_thumbnail', 'integer', (c) => c.notNull())
    // SHA-256 (hex) of the link's token; the token itself is never stored.
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('files_pk', ['project_id', 'id'])
    .execute();

  await db.schema
    .createTable('user_photos')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.notNull())
    // The links the user object carries while this photo is the main one (the file row keeps only
    // the token's hash; a profile picture's link is public to the project like any picture URL).
    .addColumn('thumbnail_url', 'text', (c) => c.notNull())
    .addColumn('fullsize_url', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addForeignKeyConstraint('user_photos_file', ['project_id', 'file_id'], 'files', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('user_photos_user').on('user_photos').columns(['project_id', 'user_id']).execute();

  // Bytes that may sit in the store without a live row: an upload in progress (or one that died) and
  // a deleted file. Swept once older than an hour.
  await db.schema
    .createTable('file_sweeps')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('file_id', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('file_sweeps_pk', ['project_id', 'file_id'])
    .execute();
  await db.schema.createIndex('file_sweeps_created').on('file_sweeps').columns(['created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('file_sweeps').execute();
  await db.schema.dropTable('user_photos').execute();
  await db.schema.dropTable('files').execute();
}
