// Frozen: client sessions, one-time refresh tokens, last login, and app-key lookup by secret hash.
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('device_id', 'text')
    .addColumn('platform', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('refreshed_at', ms, (c) => c.notNull())
    .addColumn('revoked_at', ms)
    .addColumn('revoke_reason', 'text')
    .execute();
  await db.schema.createIndex('sessions_subject').on('sessions').columns(['project_id', 'kind', 'subject']).execute();
  await db.schema.createIndex('sessions_project_created').on('sessions').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('used_at', ms)
    .execute();
  await db.schema.createIndex('refresh_tokens_session').on('refresh_tokens').column('session_id').execute();

  await db.schema.alterTable('users').addColumn('last_login_at', ms).execute();

  // OneTalk Live Chat clients present the app key secret alone (Secret-Key header).
  await db.schema.createIndex('api_keys_secret_hash').on('api_keys').column('secret_hash').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('api_keys_secret_hash').execute();
  await db.schema.alterTable('users').dropColumn('last_login_at').execute();
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropTable('sessions').execute();
}
