// POST /inbox/api/case/get — `{id}`: one case of the project (any agent's) with its conversation.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam } from './inbox-params.ts';

export function inboxCaseGet(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/get',
    schema: describeRoute({ summary: 'Inbox: one case with its conversation', realm: 'inbox', body: object({ id: INTEGER }), data: CASE_ANSWER }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);

      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
