// What an agent does to a case besides taking and handing it over (services/case-assignment.ts) and
// closing it (services/cases.ts): reply, note a remark, mark it junk, reopen it. The inbox calls these.
// Each is refused unless the agent is the case's (40301): take the case first.
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { type Case, type CaseChange, lockCase, updateCase } from '../repos/cases.ts';
import type { Agent } from '../repos/livechat.ts';
import { setRoomLock } from '../repos/rooms.ts';
import { agentOf } from './case-assignment.ts';
import { type CaseMessage, sendCaseEvent, sendCaseMessage } from './case-messages.ts';
import { caseRoomId } from './case-views.ts';
import { type CaseEvent, announceCaseEvent, caseHooks } from './case-webhooks.ts';

/** Locks the case, checks it is the agent's (and open, unless `closed` is allowed), applies `change`. */
async function change(
  deps: Deps,
  projectId: string,
  caseId: number,
  agent: Agent,
  rule: { open: boolean; event?: CaseEvent },
  next: (c: Case) => CaseChange | undefined,
): Promise<{ c: Case; changed: boolean }> {
  const hooks = await caseHooks(deps, projectId, rule.event === undefined ? [] : [rule.event]);
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const c = await lockCase(trx, deps.dialect, projectId, caseId);
    if (c === undefined) throw new ApiError('CaseNotFound', { field: 'id' });
    if (c.agentId !== agent.id) throw new ApiError('PermissionDenied', { message: 'The case is not yours: take it first' });
    if (rule.open && c.status === 'closed') throw new ApiError('CaseClosed', { field: 'id' });
    const set = next(c);
    if (set === undefined) return { c, changed: false };
    await updateCase(trx, projectId, caseId, set, now);
    // The room's lock follows the case: a reopened case's room takes messages again.
    if (set.status !== undefined) await setRoomLock(trx, projectId, caseRoomId(caseId), set.status === 'closed', now);
    const changed: Case = { ...c, ...set, updatedAt: now };
    if (rule.event !== undefined)
      await announceCaseEvent(trx, deps, hooks, rule.event, changed, rule.event === 'case.updated' ? { changed: Object.keys(set) } : undefined);
    return { c: changed, changed: true };
  });
}

/** The agent's message into their open case; the first one is the case's first response. */
export async function replyToCase(deps: Deps, projectId: string, caseId: number, agentId: number, message: CaseMessage) {
  const agent = await agentOf(deps, projectId, agentId);
  const now = deps.clock.now();
  const { c } = await change(deps, projectId, caseId, agent, { open: true }, (c) =>
    c.firstResponseAt === null ? { firstResponseAt: now, firstResponseAgentId: agent.id } : undefined,
  );
  return sendCaseMessage(deps, c, agent.userId, message);
}

/** The agent's note on the case (the visitor sees it in the case's details: 3007). */
export async function setCaseRemark(deps: Deps, projectId: string, caseId: number, agentId: number, remark: string): Promise<Case> {
  const agent = await agentOf(deps, projectId, agentId);
  const { c, changed } = await change(deps, projectId, caseId, agent, { open: false, event: 'case.updated' }, (c) =>
    c.agentRemark === remark ? undefined : { agentRemark: remark },
  );
  if (changed) await sendCaseEvent(deps, c, 'detailsUpdated', agent.userId);
  return c;
}

/** Marks the case junk (or not): reported in `case_resolved` when it closes; 3007. */
export async function markCaseJunk(deps: Deps, projectId: string, caseId: number, agentId: number, junk: boolean): Promise<Case> {
  const agent = await agentOf(deps, projectId, agentId);
  const { c, changed } = await change(deps, projectId, caseId, agent, { open: false, event: 'case.updated' }, (c) =>
    c.isJunk === junk ? undefined : { isJunk: junk },
  );
  if (changed) await sendCaseEvent(deps, c, 'detailsUpdated', agent.userId);
  return c;
}

/** The agent reopens their closed case (3002) and its room is unlocked; its rating, if any, stays. */
export async function reopenCase(deps: Deps, projectId: string, caseId: number, agentId: number): Promise<Case> {
  const agent = await agentOf(deps, projectId, agentId);
  const { c, changed } = await change(deps, projectId, caseId, agent, { open: false, event: 'case.reopened' }, (c) =>
    c.status === 'open' ? undefined : { status: 'open', closedAt: null },
  );
  if (changed) {
    deps.chat.hub.roomChanged(projectId, caseRoomId(caseId));
    await sendCaseEvent(deps, c, 'reopened', agent.userId);
  }
  return c;
}
