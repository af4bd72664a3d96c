// Frozen: a room may be locked (TapTalk's room `isLocked`, `lockedTime`): chat users write nothing into
// it. Live Chat locks a closed case's room (`case:<id>`); the rooms of cases closed before this
// migration are locked here, at their close time.
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';
  await db.schema
    .alterTable('rooms')
    .addColumn('is_locked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('rooms')
    .addColumn('locked_at', ms, (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    UPDATE rooms SET is_locked = 1, locked_at = (
      SELECT COALESCE(c.closed_at, c.updated_at) FROM livechat_cases c
      WHERE c.project_id = rooms.project_id AND 'case:' || CAST(c.id AS TEXT) = rooms.id
    )
    WHERE EXISTS (
      SELECT 1 FROM livechat_cases c
      WHERE c.project_id = rooms.project_id AND 'case:' || CAST(c.id AS TEXT) = rooms.id AND c.status = 'closed'
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('rooms').dropColumn('locked_at').execute();
  await db.schema.alterTable('rooms').dropColumn('is_locked').execute();
}
