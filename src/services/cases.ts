// Live Chat cases: opened by a visitor with a first message on a topic, talked about in the chat room
// `case:<id>` (visitor, and the agent once assigned), closed by either side, rated by the visitor.
// Visitor calls name the visitor (a contact); the inbox names the agent. docs/livechat.md.
import { randomBytes } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as cases from '../repos/cases.ts';
import type { Case } from '../repos/cases.ts';
import { findSettings, findTopic, listAgents } from '../repos/livechat.ts';
import { addMembers, insertRoom, setRoomLock } from '../repos/rooms.ts';
import { ROOM_GROUP } from '../chat/views.ts';
import { pickAgent } from './case-assignment.ts';
import { type CaseMessage, sendCaseEvent, sendCaseMessage } from './case-messages.ts';
import { caseContext, caseRoomId } from './case-views.ts';
import { announceCaseEvent, announceCaseResolved, caseHooks, caseResolvedHooks } from './case-webhooks.ts';
import { type Visitor, visitorUser } from './livechat-visitors.ts';

/** A case of this visitor, or 40420 (another visitor's case is unknown to this one). */
export async function caseOfVisitor(deps: Deps, visitor: Visitor, id: number): Promise<Case> {
  const c = await cases.findCase(deps.db, visitor.projectId, id);
  if (c === undefined || c.contactId !== visitor.contactId) throw new ApiError('CaseNotFound', { field: 'id' });
  return c;
}

/**
 * Opens a case: checks the topic and the visitor's open cases, then in one transaction the case, its
 * room and its members (the visitor, and an online agent of the topic when there is one); then the
 * first message and 3005. A visitor whose cases are closed opens a new case (docs/livechat.md).
 */
export async function openCase(deps: Deps, visitor: Visitor, input: { topicId: number; message: string }): Promise<Case> {
  const topic = await findTopic(deps.db, visitor.projectId, input.topicId);
  if (topic === undefined) throw new ApiError('TopicNotFound', { field: 'topicID' });
  const userId = await visitorUser(deps, visitor);
  const agent = await pickAgent(deps, visitor.projectId, topic.id);
  const { maxOpenCases } = await findSettings(deps.db, visitor.projectId);
  const hooks = await caseHooks(deps, visitor.projectId, ['case.created', 'case.assigned']);
  const now = deps.clock.now();
  const c = await deps.db.transaction().execute(async (trx) => {
    // The contact's row lock (PostgreSQL) makes two racing cases of one visitor count one after the other.
    if (deps.dialect === 'postgres') await trx.selectFrom('contacts').select('id').where('id', '=', visitor.contactId).forUpdate().execute();
    if (maxOpenCases > 0 && (await cases.countOpenCasesOfContact(trx, visitor.projectId, visitor.contactId)) >= maxOpenCases) {
      throw new ApiError('CaseLimitReached', { field: 'topicID', message: `At most ${maxOpenCases} open cases at a time` });
    }
    const created = await cases.insertCase(
      trx,
      {
        projectId: visitor.projectId,
        stringId: randomBytes(5).toString('hex').toUpperCase(),
        topicId: topic.id,
        contactId: visitor.contactId,
        userId,
        agentId: agent?.id ?? null,
        firstMessage: input.message,
      },
      now,
    );
    const roomId = caseRoomId(created.id);
    await insertRoom(trx, {
      projectId: visitor.projectId,
      id: roomId,
      type: ROOM_GROUP,
      name: topic.name,
      xcRoomID: roomId,
      imageThumbnail: '',
      imageFullsize: '',
      color: '',
      now,
    });
    const members = [{ userId, isAdmin: false }, ...(agent === undefined ? [] : [{ userId: agent.userId, isAdmin: false }])];
    await addMembers(trx, visitor.projectId, roomId, members, now);
    // As the room hears them: 3005, then 3006 when an agent was online.
    await announceCaseEvent(trx, deps, hooks, 'case.created', created);
    if (agent !== undefined)
      await announceCaseEvent(trx, deps, hooks, 'case.assigned', created, { assignment: 'auto', previousAgentAccountID: 0, previousAgentFullName: '' });
    return created;
  });
  await sendCaseMessage(deps, c, userId, { kind: 'text', text: input.message });
  await sendCaseEvent(deps, c, 'created', userId);
  if (agent !== undefined) await sendCaseEvent(deps, c, 'agentChanged', agent.userId);
  return c;
}

export async function listVisitorCases(deps: Deps, visitor: Visitor, limit = 200): Promise<Case[]> {
  return cases.listCasesOfContact(deps.db, visitor.projectId, visitor.contactId, limit);
}

export type Closer = { by: 'visitor'; visitor: Visitor } | { by: 'agent'; agentId: number };

/**
 * Closes the case (the visitor's own, or the agent's own: an agent takes a case first): its room is locked
 * with the close, the room hears 3001 and 3003 (the visitor may rate), and `case.resolved` is written in
 * the same transaction as the close.
 * Closing a closed case changes nothing and says so.
 */
export async function closeCase(deps: Deps, projectId: string, id: number, closer: Closer): Promise<{ case: Case; changed: boolean }> {
  const hooks = await caseResolvedHooks(deps, projectId);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const c = await cases.lockCase(trx, deps.dialect, projectId, id);
    if (c === undefined || (closer.by === 'visitor' && c.contactId !== closer.visitor.contactId)) throw new ApiError('CaseNotFound', { field: 'id' });
    if (closer.by === 'agent' && c.agentId !== closer.agentId) throw new ApiError('PermissionDenied', { message: 'The case is not yours: take it first' });
    if (c.status === 'closed') return { case: c, changed: false };
    await cases.updateCase(trx, projectId, id, { status: 'closed', closedAt: now }, now);
    await setRoomLock(trx, projectId, caseRoomId(id), true, now);
    const closed: Case = { ...c, status: 'closed', closedAt: now, updatedAt: now };
    await announceCaseResolved(trx, deps, hooks, closed, await caseContext(trx, projectId, [closed]));
    return { case: closed, changed: true };
  });
  if (outcome.changed) {
    const c = outcome.case;
    // Every node reads the room again: chat users' writes are refused from now on (the lock rides in the cached state).
    deps.chat.hub.roomChanged(projectId, caseRoomId(id));
    const speaker = closer.by === 'visitor' ? c.userId : await agentUser(deps, projectId, closer.agentId, c.userId);
    await sendCaseEvent(deps, c, 'closed', speaker);
    await sendCaseEvent(deps, c, 'reviewRequest', speaker);
  }
  return outcome;
}

async function agentUser(deps: Deps, projectId: string, agentId: number, fallback: number): Promise<number> {
  return (await listAgents(deps.db, projectId, [agentId]))[0]?.userId ?? fallback;
}

/** The visitor rates a closed case once: 1–5 and a note; the room hears 3004. */
export async function rateCase(deps: Deps, visitor: Visitor, id: number, input: { rating: number; note: string }): Promise<Case> {
  const hooks = await caseHooks(deps, visitor.projectId, ['case.rated']);
  const now = deps.clock.now();
  const rated = await deps.db.transaction().execute(async (trx) => {
    const c = await cases.lockCase(trx, deps.dialect, visitor.projectId, id);
    if (c === undefined || c.contactId !== visitor.contactId) throw new ApiError('CaseNotFound', { field: 'id' });
    if (c.status !== 'closed') throw new ApiError('CaseStillOpen', { field: 'id', message: 'Only a closed case can be rated' });
    if (c.rating !== null) throw new ApiError('CaseAlreadyRated', { field: 'id' });
    await cases.updateCase(trx, visitor.projectId, id, { rating: input.rating, ratingNote: input.note, ratedAt: now }, now);
    const rated: Case = { ...c, rating: input.rating, ratingNote: input.note, ratedAt: now, updatedAt: now };
    await announceCaseEvent(trx, deps, hooks, 'case.rated', rated);
    return rated;
  });
  await sendCaseEvent(deps, rated, 'reviewSubmitted', rated.userId);
  return rated;
}

/**
 * A visitor's message into their open case, stored through the chat core under the client's localID
 * (so the SDK sees its own message come back); a closed case refuses (40921).
 */
export async function sendVisitorMessage(deps: Deps, visitor: Visitor, id: number, message: CaseMessage) {
  const c = await caseOfVisitor(deps, visitor, id);
  if (c.status === 'closed') throw new ApiError('CaseClosed', { field: 'id', message: 'The case is closed: open a new case' });
  return sendCaseMessage(deps, c, c.userId, message);
}
