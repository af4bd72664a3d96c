// Live Chat cases. A case's messages live in its chat room (`case:<id>`), not here.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { DialectName } from '../storage/dialect.ts';
import { unreadFromOthersOf } from './message-lists.ts';
import type { CaseStatus, LivechatCaseTable } from '../storage/schema-livechat.ts';
import type { DB } from '../storage/schema.ts';

export interface Case {
  id: number;
  projectId: string;
  stringId: string;
  topicId: number;
  contactId: string;
  userId: number;
  agentId: number | null;
  status: CaseStatus;
  isJunk: boolean;
  firstMessage: string;
  agentRemark: string;
  rating: number | null;
  ratingNote: string | null;
  ratedAt: number | null;
  firstResponseAt: number | null;
  firstResponseAgentId: number | null;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

const num = (v: number | null) => (v === null ? null : Number(v));

function toCase(r: Selectable<LivechatCaseTable>): Case {
  return {
    id: Number(r.id),
    projectId: r.project_id,
    stringId: r.string_id,
    topicId: Number(r.topic_id),
    contactId: r.contact_id,
    userId: Number(r.user_id),
    agentId: num(r.agent_id),
    status: r.status,
    isJunk: r.is_junk === 1,
    firstMessage: r.first_message,
    agentRemark: r.agent_remark,
    rating: r.rating,
    ratingNote: r.rating_note,
    ratedAt: num(r.rated_at),
    firstResponseAt: num(r.first_response_at),
    firstResponseAgentId: num(r.first_response_agent_id),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    closedAt: num(r.closed_at),
  };
}

export type NewCase = Pick<Case, 'projectId' | 'stringId' | 'topicId' | 'contactId' | 'userId' | 'agentId' | 'firstMessage'>;

export async function insertCase(db: Kysely<DB>, c: NewCase, now: number): Promise<Case> {
  const row = await db
    .insertInto('livechat_cases')
    .values({
      project_id: c.projectId,
      string_id: c.stringId,
      topic_id: c.topicId,
      contact_id: c.contactId,
      user_id: c.userId,
      agent_id: c.agentId,
      status: 'open',
      first_message: c.firstMessage,
      rating: null,
      rating_note: null,
      rated_at: null,
      first_response_at: null,
      first_response_agent_id: null,
      created_at: now,
      updated_at: now,
      closed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCase(row);
}

export async function findCase(db: Kysely<DB>, projectId: string, id: number): Promise<Case | undefined> {
  const row = await db.selectFrom('livechat_cases').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toCase(row);
}

/** The case, its row locked until the transaction ends on PostgreSQL (SQLite's writer is alone anyway). */
export async function lockCase(db: Kysely<DB>, dialect: DialectName, projectId: string, id: number): Promise<Case | undefined> {
  const query = db.selectFrom('livechat_cases').selectAll().where('project_id', '=', projectId).where('id', '=', id);
  const row = await (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  return row === undefined ? undefined : toCase(row);
}

/** A contact's cases (of one status, when given), newest first. */
export async function listCasesOfContact(db: Kysely<DB>, projectId: string, contactId: string, limit: number, status?: Case['status']): Promise<Case[]> {
  let query = db.selectFrom('livechat_cases').selectAll().where('project_id', '=', projectId).where('contact_id', '=', contactId);
  if (status !== undefined) query = query.where('status', '=', status);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toCase);
}

/** A project's open cases, oldest first (the inbox's list). */
export async function listOpenCases(db: Kysely<DB>, projectId: string, limit: number): Promise<Case[]> {
  const rows = await db
    .selectFrom('livechat_cases')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('status', '=', 'open')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toCase);
}

/**
 * A project's waiting cases (open, no agent), oldest first, after the case `afterId` (a batch at a time);
 * of the topics named (undefined: every topic).
 */
/** Waiting cases whose room heard its opening announcement (message type `announced`: 3005), oldest first. */
export async function listWaitingCases(
  db: Kysely<DB>,
  projectId: string,
  topicIds: number[] | undefined,
  afterId: number,
  limit: number,
  announced: number,
): Promise<Case[]> {
  if (topicIds?.length === 0) return [];
  let query = db
    .selectFrom('livechat_cases')
    .selectAll()
    .where('agent_id', 'is', null)
    .where('status', '=', 'open')
    .where('project_id', '=', projectId)
    .where('id', '>', afterId)
    // Only once its room heard 3005 (written just after the case's transaction): a case handed out
    // before that had its room hear 3006 before 3005. The room's id is services/case-views.ts's caseRoomId.
    .where(({ exists, selectFrom, ref }) =>
      exists(
        selectFrom('messages as m')
          .select('m.id')
          .whereRef('m.project_id', '=', 'livechat_cases.project_id')
          .where('m.room_id', '=', sql<string>`${sql.lit('case:')} || ${ref('livechat_cases.id')}`)
          .where('m.type', '=', announced),
      ),
    );
  if (topicIds !== undefined) query = query.where('topic_id', 'in', topicIds);
  const rows = await query.orderBy('id').limit(limit).execute();
  return rows.map(toCase);
}

/** The projects that have a waiting case (the index on agent and status finds them). */
export async function projectsWithWaitingCases(db: Kysely<DB>): Promise<string[]> {
  const rows = await db.selectFrom('livechat_cases').select('project_id').distinct().where('agent_id', 'is', null).where('status', '=', 'open').execute();
  return rows.map((r) => r.project_id);
}

export async function countOpenCasesOfContact(db: Kysely<DB>, projectId: string, contactId: string): Promise<number> {
  const row = await db
    .selectFrom('livechat_cases')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('project_id', '=', projectId)
    .where('contact_id', '=', contactId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Open cases per agent, for the agents named (agents without one are absent). */
export async function openCasesPerAgent(db: Kysely<DB>, agentIds: number[]): Promise<Map<number, number>> {
  if (agentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('livechat_cases')
    .select(['agent_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('agent_id', 'in', agentIds)
    .where('status', '=', 'open')
    .groupBy('agent_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.agent_id), Number(r.n)]));
}

export type CaseChange = Partial<
  Pick<Case, 'agentId' | 'status' | 'agentRemark' | 'rating' | 'ratingNote' | 'ratedAt' | 'firstResponseAt' | 'firstResponseAgentId' | 'closedAt'> & {
    isJunk: boolean;
  }
>;

export async function updateCase(db: Kysely<DB>, projectId: string, id: number, change: CaseChange, now: number): Promise<void> {
  const set = {
    agent_id: change.agentId,
    status: change.status,
    agent_remark: change.agentRemark,
    is_junk: change.isJunk === undefined ? undefined : change.isJunk ? 1 : 0,
    rating: change.rating,
    rating_note: change.ratingNote,
    rated_at: change.ratedAt,
    first_response_at: change.firstResponseAt,
    first_response_agent_id: change.firstResponseAgentId,
    closed_at: change.closedAt,
    updated_at: now,
  };
  await db
    .updateTable('livechat_cases')
    .set(Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)))
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .execute();
}

/** Unread messages from others per room (the chat's one rule of unread), for the rooms named. */
export async function unreadCountsIn(db: Kysely<DB>, projectId: string, userId: number, roomIds: string[]): Promise<Map<string, number>> {
  if (roomIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('messages as m')
    .select(['m.room_id', (eb) => eb.fn.countAll<number | string>().as('n')])
    .where('m.project_id', '=', projectId)
    .where('m.room_id', 'in', roomIds)
    .where(unreadFromOthersOf(userId))
    .groupBy('m.room_id')
    .execute();
  return new Map(rows.map((r) => [r.room_id, Number(r.n)]));
}
