// Frozen: where the SQLite dispatcher has read the messages table up to. On SQLite a new message's
// `message.sent` deliveries are written by the dispatcher from the messages table (the message is its
// own outbox entry) rather than in the message's transaction; ids there grow in commit order, so one
// cursor says which messages were announced. PostgreSQL keeps the outbox row per message (its ids can
// commit out of order) and does not use the table.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('webhook_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .execute();
  // Messages stored before this migration were announced in their own transactions.
  await sql`insert into webhook_cursors (name, last_id) select 'message.sent', coalesce(max(id), 0) from messages`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('webhook_cursors').execute();
}
