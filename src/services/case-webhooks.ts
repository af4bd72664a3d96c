// Case webhooks. `case_resolved`, the organisation webhook OneTalk sends when a case is closed
// (onetalk-protocol.md §3), in OneTalk's shape `{organizationID, type, caseResolved: {…}}`, subscribed
// to as `case.resolved`; and Parley's own case events in the same envelope (`case.created` →
// `{type: "case_created", caseCreated: {…}}`), the case as the visitor API shows it with its contact.
// Each is written in the transaction of its change, ordered per case (docs/livechat.md).
import type { Kysely } from 'kysely';
import type { Deps } from '../deps.ts';
import type { Case } from '../repos/cases.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import type { DB } from '../storage/schema.ts';
import { type CaseContext, caseContact, caseContext, caseView } from './case-views.ts';
import { type WebhookEvent, announce, subscribers } from './webhooks.ts';

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
      contact: caseContact(c, ctx),
    },
  };
}

/** Parley's own case events (case.resolved is OneTalk's, above). */
export type CaseEvent = 'case.created' | 'case.assigned' | 'case.updated' | 'case.reopened' | 'case.rated';

/** `case.created` → type `case_created`, key `caseCreated` (OneTalk's envelope). */
export function caseEventBody(event: CaseEvent, c: Case, ctx: CaseContext, extra: Record<string, unknown> = {}) {
  const name = event.slice('case.'.length);
  const agent = c.agentId === null ? undefined : ctx.agents.get(c.agentId);
  return {
    organizationID: c.projectId,
    type: `case_${name}`,
    [`case${name[0]?.toUpperCase()}${name.slice(1)}`]: { ...caseView(c, ctx), agentEmail: agent?.email ?? '', contact: caseContact(c, ctx), ...extra },
  };
}

/** Each event's subscribed endpoints, found before the change's transaction begins. */
export type CaseHooks = ReadonlyMap<WebhookEvent, WebhookEndpoint[]>;

export async function caseHooks(deps: Deps, projectId: string, events: readonly WebhookEvent[]): Promise<CaseHooks> {
  const hooks = new Map<WebhookEvent, WebhookEndpoint[]>();
  for (const event of events) hooks.set(event, await subscribers(deps, projectId, event));
  return hooks;
}

/** Writes `event` about `c` (as changed) in the change's transaction `trx`; nothing when nobody listens. */
export async function announceCaseEvent(trx: Kysely<DB>, deps: Deps, hooks: CaseHooks, event: CaseEvent, c: Case, extra?: Record<string, unknown>) {
  const to = hooks.get(event) ?? [];
  if (to.length === 0) return;
  const ctx = await caseContext(trx, c.projectId, [c]);
  await announce(trx, deps, to, { event, orderKey: `case:${c.id}`, payload: caseEventBody(event, c, ctx, extra) });
}

/** Endpoints to tell, found before the closing transaction begins. */
export const caseResolvedHooks = (deps: Deps, projectId: string) => subscribers(deps, projectId, 'case.resolved');

/** Writes the announcement in the closing transaction (`c` as closed). */
export async function announceCaseResolved(trx: Kysely<DB>, deps: Deps, hooks: Awaited<ReturnType<typeof caseResolvedHooks>>, c: Case, ctx: CaseContext) {
  await announce(trx, deps, hooks, { event: 'case.resolved', orderKey: `case:${c.id}`, payload: caseResolvedBody(c, ctx) });
}
