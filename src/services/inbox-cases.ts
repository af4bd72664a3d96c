// Cases as the agents' inbox shows them: open cases by topic with the visitor's contact (the very one
// sync_contact keeps), the newest message and the agent's unread count; one case with its conversation.
// Messages are decrypted here (the chat stores the clients' ciphertext): the inbox page is no chat SDK.
import { decryptContent } from '../chat/cipher.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type Case, findCase, listOpenCases, unreadCountsIn } from '../repos/cases.ts';
import type { StoredMessage } from '../repos/messages.ts';
import * as messages from '../repos/messages.ts';
import { type Agent, listAgents } from '../repos/livechat.ts';
import { type CaseContext, caseContact, caseContext, caseRoomId, caseView } from './case-views.ts';

/** The most open cases one list shows (oldest first: the longest-waiting visitors). */
const LIST_LIMIT = 200;
const CONVERSATION_LIMIT = 200;

/** Names of the project's agents by chat user (whoever answered the case before is named too). */
type Names = Map<number, string>;

async function agentNames(deps: Deps, projectId: string): Promise<Names> {
  return new Map((await listAgents(deps.db, projectId)).map((a) => [a.userId, a.fullName]));
}

function messageView(m: StoredMessage, c: Case, ctx: CaseContext, names: Names) {
  return {
    messageID: String(m.id),
    localID: m.localID,
    type: m.type,
    text: m.isDeleted ? '' : (decryptContent(m.body, m.localID) ?? ''),
    senderID: String(m.senderId),
    senderName: m.senderId === c.userId ? (ctx.contact?.fullName ?? '') : (names.get(m.senderId) ?? ''),
    fromVisitor: m.senderId === c.userId,
    isRead: m.isRead,
    isDeleted: m.isDeleted,
    created: m.created,
  };
}

function inboxCaseView(c: Case, ctx: CaseContext, agent: Agent) {
  return { ...caseView(c, ctx), mine: c.agentId === agent.id, contact: caseContact(c, ctx) };
}

/** Open cases of the topics the agent serves, grouped by topic; each with its newest message and unread count. */
export async function listInboxCases(deps: Deps, agent: Agent) {
  const open = (await listOpenCases(deps.db, agent.projectId, LIST_LIMIT)).filter((c) => agent.topicIds.length === 0 || agent.topicIds.includes(c.topicId));
  const unread = await unreadCountsIn(
    deps.db,
    agent.projectId,
    agent.userId,
    open.map((c) => caseRoomId(c.id)),
  );
  const names = await agentNames(deps, agent.projectId);
  const topics = new Map<number, { topicID: number; topicName: string; cases: unknown[] }>();
  for (const c of open) {
    const ctx = await caseContext(deps.db, agent.projectId, [c]);
    const [newest] = await messages.listBefore(deps.db, agent.projectId, caseRoomId(c.id), agent.userId, 0, 1);
    const view = inboxCaseView(c, ctx, agent);
    const group = topics.get(c.topicId) ?? { topicID: c.topicId, topicName: view.topicName, cases: [] };
    group.cases.push({
      ...view,
      lastMessage: newest === undefined ? null : messageView(newest, c, ctx, names),
      unreadCount: unread.get(caseRoomId(c.id)) ?? 0,
    });
    topics.set(c.topicId, group);
  }
  return [...topics.values()];
}

/** One case of the agent's project (any agent's: the list shows them all) with its conversation, oldest first. */
export async function getInboxCase(deps: Deps, agent: Agent, id: number) {
  const c = await findCase(deps.db, agent.projectId, id);
  if (c === undefined) throw new ApiError('CaseNotFound', { field: 'id' });
  return inboxCaseWithMessages(deps, agent, c);
}

export async function inboxCaseWithMessages(deps: Deps, agent: Agent, c: Case) {
  const ctx = await caseContext(deps.db, agent.projectId, [c]);
  const names = await agentNames(deps, agent.projectId);
  const said = await messages.listBefore(deps.db, agent.projectId, caseRoomId(c.id), agent.userId, 0, CONVERSATION_LIMIT);
  return { case: inboxCaseView(c, ctx, agent), messages: said.reverse().map((m) => messageView(m, c, ctx, names)) };
}
