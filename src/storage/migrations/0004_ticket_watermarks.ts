// Frozen: tickets issued before a revocation are refused at redemption (per user, and per project).
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const ms = db.getExecutor().adapter instanceof PostgresAdapter ? 'bigint' : 'integer';
  await db.schema
    .alterTable('users')
    .addColumn('tickets_valid_after', ms, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('projects')
    .addColumn('tickets_valid_after', ms, (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('projects').dropColumn('tickets_valid_after').execute();
  await db.schema.alterTable('users').dropColumn('tickets_valid_after').execute();
}
