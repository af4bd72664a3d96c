// Frozen: projects, keys, PowerTalk users, OneTalk contacts, tickets, settings.
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tier', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('last_used_at', ms)
    .addColumn('revoked_at', ms)
    .execute();
  await db.schema.createIndex('api_keys_project').on('api_keys').column('project_id').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('xc_user_id', 'text', (c) => c.notNull())
    .addColumn('fullname', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('username', 'text')
    .addColumn('photo_thumbnail_url', 'text')
    .addColumn('photo_fullsize_url', 'text')
    .addColumn('user_role_code', 'text')
    .addColumn('last_ip_address', 'text')
    .addColumn('last_user_agent', 'text')
    .addColumn('last_platform', 'text')
    .addColumn('last_device_id', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addUniqueConstraint('users_project_xc_user_id', ['project_id', 'xc_user_id'])
    .execute();

  await db.schema
    .createTable('contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('customer_user_id', 'text')
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('alias', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('photo_url', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
  // NULLs are distinct in unique indexes on both databases, so contacts without
  // a customer user ID or a phone do not collide.
  await db.schema.createIndex('contacts_project_customer_user_id').unique().on('contacts').columns(['project_id', 'customer_user_id']).execute();
  await db.schema.createIndex('contacts_project_phone').unique().on('contacts').columns(['project_id', 'phone']).execute();

  await db.schema
    .createTable('tickets')
    .addColumn('jti', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issued_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('redeemed_at', ms)
    .execute();
  await db.schema.createIndex('tickets_expires_at').on('tickets').column('expires_at').execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['settings', 'tickets', 'contacts', 'users', 'api_keys', 'projects']) {
    await db.schema.dropTable(table).execute();
  }
}
