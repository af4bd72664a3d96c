// Who answers a case. A new case goes to an online agent of its topic with the fewest open cases (ties:
// the longest-standing agent); with nobody online it waits unassigned until an agent of its topic comes
// online (services/case-backlog.ts). Agents also take or hand over cases (the inbox calls these).
// Presence is the chat's, across nodes (chat/presence.ts).
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type Case, findCase, lockCase, openCasesPerAgent, updateCase } from '../repos/cases.ts';
import { type Agent, listAgents } from '../repos/livechat.ts';
import { addMembers, removeMembers } from '../repos/rooms.ts';
import { sendCaseEvent } from './case-messages.ts';
import { caseRoomId } from './case-views.ts';
import { announceCaseEvent, caseHooks } from './case-webhooks.ts';

export const serves = (agent: Agent, topicId: number) => agent.topicIds.length === 0 || agent.topicIds.includes(topicId);

/** Of `agents` (longest-standing first), the one with the fewest open cases in `load`. */
export const leastLoaded = (agents: Agent[], load: ReadonlyMap<number, number>): Agent | undefined =>
  agents.reduce<Agent | undefined>((best, a) => (best === undefined || (load.get(a.id) ?? 0) < (load.get(best.id) ?? 0) ? a : best), undefined);

/** The project's agents whose chat user is online on any node, longest-standing first. */
export async function onlineAgents(deps: Deps, projectId: string): Promise<Agent[]> {
  return (await listAgents(deps.db, projectId)).filter((a) => deps.chat.hub.isOnline(projectId, a.userId));
}

/** The agent a new case of `topicId` goes to, or undefined when no agent of the topic is online. */
export async function pickAgent(deps: Deps, projectId: string, topicId: number): Promise<Agent | undefined> {
  const online = (await onlineAgents(deps, projectId)).filter((a) => serves(a, topicId));
  if (online.length === 0) return undefined;
  const load = await openCasesPerAgent(
    deps.db,
    online.map((a) => a.id),
  );
  return leastLoaded(online, load);
}

/** An agent of the project, or 40422 (an agent of another project is unknown here). */
export async function agentOf(deps: Deps, projectId: string, agentId: number): Promise<Agent> {
  const agent = (await listAgents(deps.db, projectId, [agentId]))[0];
  if (agent === undefined) throw new ApiError('AgentNotFound', { field: 'agentID' });
  return agent;
}

/** How a case came to its agent (`assignment` in case.assigned). */
type Assignment = 'take' | 'handOver' | 'auto';

/**
 * Makes `agent` the case's agent: the agent joins the room, the one before leaves it, case.assigned is
 * written in the same transaction, and the room hears 3006 from the new agent. `onlyIfWaiting`: only a
 * case still open and unassigned when its row is locked (two nodes handing out the same backlog);
 * otherwise undefined. The agent taking a case it already has changes nothing.
 */
async function assign(deps: Deps, projectId: string, caseId: number, agent: Agent, how: Assignment): Promise<Case | undefined> {
  const hooks = await caseHooks(deps, projectId, ['case.assigned']);
  const now = deps.clock.now();
  const roomId = caseRoomId(caseId);
  const outcome = await deps.db.transaction().execute(async (trx) => {
    const c = await lockCase(trx, deps.dialect, projectId, caseId);
    if (how === 'auto' && (c === undefined || c.status !== 'open' || c.agentId !== null)) return undefined;
    if (c === undefined) throw new ApiError('CaseNotFound', { field: 'id' });
    if (c.status === 'closed') throw new ApiError('CaseClosed', { field: 'id' });
    if (c.agentId === agent.id) return { c, changed: false };
    const before = c.agentId === null ? undefined : (await listAgents(trx, projectId, [c.agentId]))[0];
    if (before !== undefined) await removeMembers(trx, projectId, roomId, [before.userId]);
    await addMembers(trx, projectId, roomId, [{ userId: agent.userId, isAdmin: false }], now);
    await updateCase(trx, projectId, caseId, { agentId: agent.id }, now);
    const assigned: Case = { ...c, agentId: agent.id, updatedAt: now };
    await announceCaseEvent(trx, deps, hooks, 'case.assigned', assigned, {
      assignment: how,
      previousAgentAccountID: before?.id ?? 0,
      previousAgentFullName: before?.fullName ?? '',
    });
    return { c: assigned, changed: true };
  });
  if (outcome === undefined) return undefined;
  if (!outcome.changed) return outcome.c;
  deps.chat.rooms.delete(`${projectId}\0${roomId}`);
  deps.chat.hub.roomChanged(projectId, roomId);
  await sendCaseEvent(deps, outcome.c, 'agentChanged', agent.userId);
  return outcome.c;
}

/** The agent takes the case (unassigned, or from another agent). */
export async function takeCase(deps: Deps, projectId: string, caseId: number, agentId: number): Promise<Case> {
  return (await assign(deps, projectId, caseId, await agentOf(deps, projectId, agentId), 'take')) as Case;
}

/** A waiting case to `agent`, only if it is still open and unassigned at lock time; undefined otherwise. */
export const assignWaitingCase = (deps: Deps, projectId: string, caseId: number, agent: Agent) => assign(deps, projectId, caseId, agent, 'auto');

/** The case's agent hands it to another agent of the project. */
export async function handOverCase(deps: Deps, projectId: string, caseId: number, fromAgentId: number, toAgentId: number): Promise<Case> {
  const c = await findCase(deps.db, projectId, caseId);
  if (c === undefined) throw new ApiError('CaseNotFound', { field: 'id' });
  // A take racing this hand-over: each assignment is whole (the case is locked), the later one stands.
  if (c.agentId !== fromAgentId) throw new ApiError('PermissionDenied', { message: 'Only the case’s agent can hand it over' });
  return (await assign(deps, projectId, caseId, await agentOf(deps, projectId, toAgentId), 'handOver')) as Case;
}
