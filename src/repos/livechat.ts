// Live Chat's topics, agents and launcher settings. Rows are mapped here and nowhere else.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

export interface Topic {
  id: number;
  projectId: string;
  name: string;
  createdAt: number;
  updatedAt: number;
}

export interface Agent {
  id: number;
  projectId: string;
  email: string;
  fullName: string;
  userId: number;
  /** Empty: every topic of the project. */
  topicIds: number[];
  createdAt: number;
}

export interface LivechatSettings {
  hexColor: string;
  /** 0: unlimited. */
  maxOpenCases: number;
}

/** What a project without its own settings uses (OneTalk's launcher blue, no limit). */
export const DEFAULT_SETTINGS: LivechatSettings = { hexColor: '#2C7CFF', maxOpenCases: 0 };

export async function insertTopic(db: Kysely<DB>, projectId: string, name: string, now: number): Promise<Topic> {
  const row = await db
    .insertInto('livechat_topics')
    .values({ project_id: projectId, name, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), projectId, name, createdAt: now, updatedAt: now };
}

export async function listTopics(db: Kysely<DB>, projectId: string): Promise<Topic[]> {
  const rows = await db.selectFrom('livechat_topics').selectAll().where('project_id', '=', projectId).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), projectId: r.project_id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
}

export async function findTopic(db: Kysely<DB>, projectId: string, id: number): Promise<Topic | undefined> {
  return (await listTopicsByIds(db, projectId, [id]))[0];
}

export async function listTopicsByIds(db: Kysely<DB>, projectId: string, ids: number[]): Promise<Topic[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('livechat_topics').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).execute();
  return rows.map((r) => ({ id: Number(r.id), projectId: r.project_id, name: r.name, createdAt: r.created_at, updatedAt: r.updated_at }));
}

export interface NewAgent {
  projectId: string;
  email: string;
  fullName: string;
  passwordHash: string;
  userId: number;
  topicIds: number[];
}

export async function insertAgent(db: Kysely<DB>, agent: NewAgent, now: number): Promise<Agent> {
  const row = await db
    .insertInto('livechat_agents')
    .values({
      project_id: agent.projectId,
      email: agent.email,
      full_name: agent.fullName,
      password_hash: agent.passwordHash,
      user_id: agent.userId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  if (agent.topicIds.length > 0) {
    await db
      .insertInto('livechat_agent_topics')
      .values(agent.topicIds.map((topicId) => ({ agent_id: id, topic_id: topicId })))
      .execute();
  }
  return { id, projectId: agent.projectId, email: agent.email, fullName: agent.fullName, userId: agent.userId, topicIds: agent.topicIds, createdAt: now };
}

export async function findAgentByEmail(db: Kysely<DB>, projectId: string, email: string): Promise<{ id: number } | undefined> {
  const row = await db.selectFrom('livechat_agents').select('id').where('project_id', '=', projectId).where('email', '=', email).executeTakeFirst();
  return row === undefined ? undefined : { id: Number(row.id) };
}

/** What signing in checks: the agent of this email in the project, and its password hash. */
export async function findAgentLogin(db: Kysely<DB>, projectId: string, email: string): Promise<{ id: number; passwordHash: string } | undefined> {
  const row = await db
    .selectFrom('livechat_agents')
    .select(['id', 'password_hash'])
    .where('project_id', '=', projectId)
    .where('email', '=', email)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: Number(row.id), passwordHash: row.password_hash };
}

/** The project's agents (with their topics), by id. */
export async function listAgents(db: Kysely<DB>, projectId: string, ids?: number[]): Promise<Agent[]> {
  if (ids?.length === 0) return [];
  let query = db.selectFrom('livechat_agents').selectAll().where('project_id', '=', projectId);
  if (ids !== undefined) query = query.where('id', 'in', ids);
  const rows = await query.orderBy('id').execute();
  if (rows.length === 0) return [];
  const topics = await db
    .selectFrom('livechat_agent_topics')
    .select(['agent_id', 'topic_id'])
    .where(
      'agent_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    projectId: r.project_id,
    email: r.email,
    fullName: r.full_name,
    userId: Number(r.user_id),
    topicIds: topics.filter((t) => Number(t.agent_id) === Number(r.id)).map((t) => Number(t.topic_id)),
    createdAt: r.created_at,
  }));
}

/** The project's agent whose chat user this is, if any. */
export async function findAgentOfUser(db: Kysely<DB>, projectId: string, userId: number): Promise<Agent | undefined> {
  const row = await db.selectFrom('livechat_agents').select('id').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
  return row === undefined ? undefined : (await listAgents(db, projectId, [Number(row.id)]))[0];
}

export async function findSettings(db: Kysely<DB>, projectId: string): Promise<LivechatSettings> {
  const row = await db.selectFrom('livechat_settings').selectAll().where('project_id', '=', projectId).executeTakeFirst();
  return row === undefined ? DEFAULT_SETTINGS : { hexColor: row.hex_color, maxOpenCases: row.max_open_cases };
}

export async function saveSettings(db: Kysely<DB>, projectId: string, settings: LivechatSettings, now: number): Promise<void> {
  const values = { hex_color: settings.hexColor, max_open_cases: settings.maxOpenCases, updated_at: now };
  await db
    .insertInto('livechat_settings')
    .values({ project_id: projectId, ...values })
    .onConflict((oc) => oc.column('project_id').doUpdateSet(values))
    .execute();
}
