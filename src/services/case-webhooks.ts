// `case_resolved`, the organisation webhook OneTalk sends when a case is closed (onetalk-protocol.md §3),
// in OneTalk's shape: `{organizationID, type, caseResolved: {…}}`. Subscribed to as `case.resolved`.
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Case } from '../repos/cases.ts';
import type { DB } from '../storage/schema.ts';
import { type CaseContext, caseView } from './case-views.ts';
import { announce, subscribers } from './webhooks.ts';

export function caseResolvedBody(c: Case, ctx: CaseContext) {
  const view = caseView(c, ctx);
  const agent = c.agentId === null ? undefined : ctx.agents.get(c.agentId);
  return {
    organizationID: c.projectId,
    type: 'case_resolved',
    caseResolved: {
      caseID: c.stringId,
      id: c.id,
      channelType: 'launcher',
      channelID: 0,
      topicID: c.topicId,
      topicName: view.topicName,
      assigneeType: agent === undefined ? '' : 'agent',
      chatbotID: 0,
      chatbotName: '',
      agentEmail: agent?.email ?? '',
      agentFullName: agent?.fullName ?? '',
      isJunk: c.isJunk,
      agentRemark: c.agentRemark,
      createdTime: c.createdAt,
      counterStartTime: c.createdAt,
      firstResponseTime: c.firstResponseAt ?? 0,
      resolvedTime: c.closedAt ?? 0,
      tapTalkXCRoomID: view.tapTalkXCRoomID,
      contact: {
        userID: c.contactId,
        fullName: view.userFullName,
        alias: view.userAlias,
        email: view.userEmail,
        phone: view.userPhone,
        customerUserID: ctx.contact?.customerUserID ?? '',
      },
    },
  };
}

/** Endpoints to tell, found before the closing transaction begins. */
export const caseResolvedHooks = (deps: Deps, projectId: string) => subscribers(deps, projectId, 'case.resolved');

/** Writes the announcement in the closing transaction (`c` as closed). */
export async function announceCaseResolved(trx: Kysely<DB>, deps: Deps, hooks: Awaited<ReturnType<typeof caseResolvedHooks>>, c: Case, ctx: CaseContext) {
  await announce(trx, deps, hooks, { event: 'case.resolved', orderKey: `case:${c.id}`, payload: caseResolvedBody(c, ctx) });
}
