// Frozen: indexes that let the retention rounds find what expired without reading whole tables.
import type { Kysely } from 'kysely';

const INDEXES: Array<[name: string, table: string, column: string]> = [
  ['sessions_refreshed_at', 'sessions', 'refreshed_at'],
  ['sessions_revoked_at', 'sessions', 'revoked_at'],
  ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at'],
  ['webhook_deliveries_finished_at', 'webhook_deliveries', 'finished_at'],
  ['idempotency_keys_created_at', 'idempotency_keys', 'created_at'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, column] of INDEXES) await db.schema.createIndex(name).on(table).column(column).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of INDEXES) await db.schema.dropIndex(name).execute();
}
