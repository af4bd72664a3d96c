// POST /inbox/api/case/close — `{id}`: the agent closes their case (3001, 3003; case_resolved to webhooks).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { closeCase } from '../../services/cases.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam } from './inbox-params.ts';

export function inboxCaseClose(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/close',
    schema: describeRoute({ summary: 'Inbox: close a case', realm: 'inbox', body: object({ id: INTEGER }), data: CASE_ANSWER }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      await closeCase(deps, agent.projectId, id, { by: 'agent', agentId: agent.id });
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
