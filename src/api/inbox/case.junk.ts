// POST /inbox/api/case/junk — `{id, isJunk}`: the agent marks their case junk, or not (3007).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { BOOLEAN, INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { markCaseJunk } from '../../services/case-agent.ts';
import { boolParam } from '../client/chat-params.ts';
import { clientBody } from '../../validation.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam } from './inbox-params.ts';

export function inboxCaseJunk(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/junk',
    schema: describeRoute({ summary: 'Inbox: mark a case junk', realm: 'inbox', body: object({ id: INTEGER, isJunk: BOOLEAN }), data: CASE_ANSWER }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      await markCaseJunk(deps, agent.projectId, id, agent.id, boolParam(clientBody(request.body), 'isJunk', true));
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
