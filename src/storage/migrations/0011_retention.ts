// Frozen: indexes that let the retention rounds find what expired without reading whole tables.
import { type Kysely, sql } from 'kysely';

// Columns that stay null until a row ends get partial indexes: a new row (a message's delivery, a live
// session) then costs no entry in them.
const INDEXES: Array<[name: string, table: string, column: string, partial: boolean]> = [
  ['sessions_refreshed_at', 'sessions', 'refreshed_at', false],
  ['sessions_revoked_at', 'sessions', 'revoked_at', true],
  ['refresh_tokens_expires_at', 'refresh_tokens', 'expires_at', false],
  ['webhook_deliveries_finished_at', 'webhook_deliveries', 'finished_at', true],
  ['idempotency_keys_created_at', 'idempotency_keys', 'created_at', false],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, table, column, partial] of INDEXES) {
    const index = db.schema.createIndex(name).on(table).column(column);
    await (partial ? index.where(sql.ref(column), 'is not', null) : index).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of INDEXES) await db.schema.dropIndex(name).execute();
}
