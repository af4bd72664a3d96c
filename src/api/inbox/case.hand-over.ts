// POST /inbox/api/case/hand_over — `{id, agentID}`: the case's agent hands it to another agent of the project (3006).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { handOverCase } from '../../services/case-assignment.ts';
import { intParam } from '../client/chat-params.ts';
import { clientBody } from '../../validation.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam } from './inbox-params.ts';

export function inboxCaseHandOver(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/hand_over',
    schema: describeRoute({
      summary: 'Inbox: hand a case over to another agent',
      realm: 'inbox',
      body: object({ id: INTEGER, agentID: INTEGER }),
      data: CASE_ANSWER,
    }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      const to = intParam(clientBody(request.body), 'agentID', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
      if (to === 0) throw new ApiError('ParamValidationFailed', { field: 'agentID', message: "Param 'agentID' is required" });
      await handOverCase(deps, agent.projectId, id, agent.id, to);
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
