// Frozen: webhook endpoints and their deliveries (a transactional outbox), Idempotency-Key answers of
// the server API, and what the server API keeps of a room (its tags and the user roles it admits).
import { type Kysely, PostgresAdapter, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    // JSON array of event names.
    .addColumn('events', 'text', (c) => c.notNull())
    // The signing secret, encrypted with a key derived from the token signing secret (never in clear).
    .addColumn('secret_wrapped', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('deleted_at', ms)
    .execute();
  await db.schema.createIndex('webhook_endpoints_project').on('webhook_endpoints').column('project_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    // The Standard Webhooks message id: the same on every attempt, so receivers can drop repeats.
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    // Deliveries with the same key (a room) go out one after the other, in id order.
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // pending, delivered or failed.
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ms, (c) => c.notNull())
    .addColumn('claimed_until', ms, (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('finished_at', ms)
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_queue').on('webhook_deliveries').columns(['endpoint_id', 'order_key', 'status', 'id']).execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // 0 while the first request is still being answered.
    .addColumn('status', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['project_id', 'key'])
    .execute();

  await db.schema
    .alterTable('rooms')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  // One room per xcRoomID (the server API finds rooms by it); rooms without one (client groups) are many.
  await db.schema
    .createIndex('rooms_xc_room_id_unique')
    .on('rooms')
    .columns(['project_id', 'xc_room_id'])
    .unique()
    .where(sql.ref('xc_room_id'), '<>', '')
    .execute();
  // The user role codes whose users are participants of a room (server API rooms), found by role.
  await db.schema
    .createTable('room_roles')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('room_roles_pk', ['project_id', 'role', 'room_id'])
    .addForeignKeyConstraint('room_roles_room', ['project_id', 'room_id'], 'rooms', ['project_id', 'id'], (c) => c.onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('room_roles').execute();
  await db.schema.dropIndex('rooms_xc_room_id_unique').execute();
  await db.schema.alterTable('rooms').dropColumn('tags').execute();
  await db.schema.dropTable('idempotency_keys').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
}
