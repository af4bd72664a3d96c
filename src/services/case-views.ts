// A case as OneTalk's clients read it (onetalk-protocol.md §2.4, the Case model), and what a view needs.
import type { Kysely } from 'kysely';
import type { Case } from '../repos/cases.ts';
import { type Contact, findContact } from '../repos/contacts.ts';
import { type Agent, type Topic, listAgents, listTopicsByIds } from '../repos/livechat.ts';
import type { DB } from '../storage/schema.ts';

/** Every case's conversation is this chat room (its id and its xcRoomID). */
export const caseRoomId = (caseId: number) => `case:${caseId}`;

export interface CaseContext {
  topics: Map<number, Topic>;
  agents: Map<number, Agent>;
  contact: Contact | undefined;
}

/** The topics and agents of `cases`, and their contact (all of one contact); `db` may be a transaction. */
export async function caseContext(db: Kysely<DB>, projectId: string, cases: Case[]): Promise<CaseContext> {
  const topicIds = [...new Set(cases.map((c) => c.topicId))];
  const agentIds = [...new Set(cases.flatMap((c) => [c.agentId, c.firstResponseAgentId]).filter((id): id is number => id !== null))];
  const contactId = cases[0]?.contactId;
  // One after the other: a transaction runs one statement at a time.
  const topics = await listTopicsByIds(db, projectId, topicIds);
  const agents = await listAgents(db, projectId, agentIds);
  const contact = contactId === undefined ? undefined : await findContact(db, projectId, contactId);
  return { topics: new Map(topics.map((t) => [t.id, t])), agents: new Map(agents.map((a) => [a.id, a])), contact };
}

export function caseView(c: Case, ctx: CaseContext) {
  const agent = c.agentId === null ? undefined : ctx.agents.get(c.agentId);
  const firstAgent = c.firstResponseAgentId === null ? undefined : ctx.agents.get(c.firstResponseAgentId);
  return {
    id: c.id,
    stringID: c.stringId,
    userID: c.contactId,
    userFullName: ctx.contact?.fullName ?? '',
    userAlias: ctx.contact?.alias ?? '',
    userEmail: ctx.contact?.email ?? '',
    userPhone: ctx.contact?.phone ?? '',
    topicID: c.topicId,
    topicName: ctx.topics.get(c.topicId)?.name ?? '',
    agentAccountID: c.agentId ?? 0,
    agentFullName: agent?.fullName ?? '',
    tapTalkXCRoomID: caseRoomId(c.id),
    medium: 'launcher',
    mediumChannelID: 0,
    firstMessage: c.firstMessage,
    firstResponseTime: c.firstResponseAt ?? 0,
    firstResponseAgentAccountID: c.firstResponseAgentId ?? 0,
    firstResponseAgentFullName: firstAgent?.fullName ?? '',
    agentRemark: c.agentRemark,
    isCreatedByAgent: false,
    creatorAgentAccountID: 0,
    firstUserReplyTime: c.createdAt,
    isJunk: c.isJunk,
    isClosed: c.status === 'closed',
    closedTime: c.closedAt ?? 0,
    rating: c.rating ?? 0,
    ratingNote: c.ratingNote ?? '',
    createdTime: c.createdAt,
    updatedTime: c.updatedAt,
    deletedTime: 0,
  };
}

/** The case's contact as the inbox and the case webhooks show it (what `sync_contact` keeps). */
export function caseContact(c: Case, ctx: CaseContext) {
  const contact = ctx.contact;
  return {
    userID: c.contactId,
    fullName: contact?.fullName ?? '',
    alias: contact?.alias ?? '',
    email: contact?.email ?? '',
    phone: contact?.phone ?? '',
    customerUserID: contact?.customerUserID ?? '',
  };
}
