// Frozen: scheduled messages (a row first, claimed when due), blocks between users, reports kept for
// the operator, push tokens per session, and on users a bio and the phone key that add_by_phones
// matches on (backfilled here with the rule as it stood when this migration was written).
import { type Kysely, PostgresAdapter } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';
  const identity = pg ? 'bigint' : 'integer';

  await db.schema
    .createTable('scheduled_messages')
    .addColumn('id', identity, (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    // No foreign key to rooms: a personal room's row is only created by its first message.
    .addColumn('room_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', ms, (c) => c.notNull())
    .addColumn('local_id', 'text', (c) => c.notNull())
    // The client's message as sent (JSON, its room id apart): stored as a message when due.
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('scheduled_at', ms, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    // Set in the transaction that stores the message: from then on the row is only awaiting delivery.
    .addColumn('message_id', ms)
    .addColumn('stored_at', ms)
    // A client retrying its request must not schedule the message twice.
    .addUniqueConstraint('scheduled_messages_local_id', ['project_id', 'sender_id', 'local_id'])
    .execute();
  // Each node looks for due rows every second or so, and for stored rows whose delivery was lost.
  await db.schema.createIndex('scheduled_messages_due').on('scheduled_messages').columns(['scheduled_at']).execute();
  await db.schema.createIndex('scheduled_messages_stored').on('scheduled_messages').columns(['stored_at']).execute();
  await db.schema.createIndex('scheduled_messages_sender').on('scheduled_messages').columns(['project_id', 'sender_id', 'room_id']).execute();

  await db.schema
    .createTable('user_blocks')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('blocked_user_id', ms, (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('user_blocks_pk', ['project_id', 'user_id', 'blocked_user_id'])
    .execute();
  // "Who blocked me": checked when someone adds users to a group or a contact list.
  await db.schema.createIndex('user_blocks_blocked').on('user_blocks').columns(['project_id', 'blocked_user_id']).execute();

  await db.schema
    .createTable('chat_reports')
    .addColumn('id', identity, (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
    .addColumn('reporter_id', ms, (c) => c.notNull())
    .addColumn('reported_user_id', ms, (c) => c.notNull())
    .addColumn('room_id', 'text')
    .addColumn('message_id', ms)
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('is_other_category', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chat_reports_project').on('chat_reports').columns(['project_id', 'created_at']).execute();

  await db.schema
    .createTable('push_tokens')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('user_id', ms, (c) => c.notNull())
    .addColumn('fcm_token', 'text')
    .addColumn('apn_token', 'text')
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('push_tokens_user').on('push_tokens').columns(['project_id', 'user_id']).execute();

  await db.schema.alterTable('users').addColumn('bio', 'text').execute();
  await db.schema.alterTable('users').addColumn('phone_key', 'text').execute();
  await db.schema.createIndex('users_phone_key').on('users').columns(['project_id', 'phone_key']).execute();
  const users = await db.selectFrom('users').select(['id', 'phone']).where('phone', 'is not', null).execute();
  for (const u of users as Array<{ id: number; phone: string }>) {
    const key = phoneKey(u.phone);
    if (key !== undefined) await db.updateTable('users').set({ phone_key: key }).where('id', '=', u.id).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('users_phone_key').execute();
  await db.schema.alterTable('users').dropColumn('phone_key').execute();
  await db.schema.alterTable('users').dropColumn('bio').execute();
  await db.schema.dropTable('push_tokens').execute();
  await db.schema.dropTable('chat_reports').execute();
  await db.schema.dropTable('user_blocks').execute();
  await db.schema.dropTable('scheduled_messages').execute();
}

/** The rule of src/phone.ts as of this migration (a migration imports no app code). */
function phoneKey(value: string): string | undefined {
  const trimmed = value.trim();
  if (!/^\+?[0-9][0-9 ().-]*$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/[^0-9]/g, '');
  let international = trimmed.startsWith('+');
  if (!international && digits.startsWith('00')) {
    digits = digits.slice(2);
    international = true;
  }
  if (!international && !digits.startsWith('0')) international = parsePhoneNumberFromString(`+${digits}`)?.isValid() === true;
  let national = digits;
  if (international) {
    const parsed = parsePhoneNumberFromString(`+${digits}`);
    if (parsed === undefined) return undefined;
    national = parsed.nationalNumber;
  }
  national = national.replace(/^0+/, '');
  return national.length >= 6 && national.length <= 15 ? national : undefined;
}
