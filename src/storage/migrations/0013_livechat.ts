// Frozen: OneTalk Live Chat — topics, agents (and the topics they serve), cases and each project's
// launcher settings. A case's conversation is a chat room (`case:<id>`), not a table of its own.
import { type Kysely, PostgresAdapter } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter;
  const ms = pg ? 'bigint' : 'integer';
  const identity = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', pg ? 'bigint' : 'integer', (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
      .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'));

  await identity('livechat_topics')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('livechat_topics_project').on('livechat_topics').column('project_id').execute();

  await identity('livechat_agents')
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addUniqueConstraint('livechat_agents_project_email', ['project_id', 'email'])
    .execute();

  await db.schema
    .createTable('livechat_agent_topics')
    .addColumn('agent_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('livechat_agents.id').onDelete('cascade'))
    .addColumn('topic_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('livechat_topics.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('livechat_agent_topics_pk', ['agent_id', 'topic_id'])
    .execute();

  await identity('livechat_cases')
    .addColumn('string_id', 'text', (c) => c.notNull())
    .addColumn('topic_id', pg ? 'bigint' : 'integer', (c) => c.notNull().references('livechat_topics.id'))
    .addColumn('contact_id', 'text', (c) => c.notNull())
    .addColumn('user_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
    .addColumn('agent_id', pg ? 'bigint' : 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('is_junk', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('first_message', 'text', (c) => c.notNull())
    .addColumn('agent_remark', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rating', 'integer')
    .addColumn('rating_note', 'text')
    .addColumn('rated_at', ms)
    .addColumn('first_response_at', ms)
    .addColumn('first_response_agent_id', pg ? 'bigint' : 'integer')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addColumn('closed_at', ms)
    .addUniqueConstraint('livechat_cases_string_id', ['project_id', 'string_id'])
    .execute();
  await db.schema.createIndex('livechat_cases_contact').on('livechat_cases').columns(['project_id', 'contact_id', 'status']).execute();
  await db.schema.createIndex('livechat_cases_agent').on('livechat_cases').columns(['agent_id', 'status']).execute();

  await db.schema
    .createTable('livechat_settings')
    .addColumn('project_id', 'text', (c) => c.primaryKey().references('projects.id').onDelete('cascade'))
    .addColumn('hex_color', 'text', (c) => c.notNull())
    .addColumn('max_open_cases', 'integer', (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['livechat_settings', 'livechat_cases', 'livechat_agent_topics', 'livechat_agents', 'livechat_topics']) {
    await db.schema.dropTable(table).execute();
  }
}
