// POST /inbox/api/case/take — `{id}`: the agent takes the case (unassigned, or another agent's); the room hears 3006.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { takeCase } from '../../services/case-assignment.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam } from './inbox-params.ts';

export function inboxCaseTake(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/take',
    schema: describeRoute({ summary: 'Inbox: take a case', realm: 'inbox', body: object({ id: INTEGER }), data: CASE_ANSWER }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      await takeCase(deps, agent.projectId, id, agent.id);
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
