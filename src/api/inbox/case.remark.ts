// POST /inbox/api/case/remark — `{id, remark}`: the agent's note on their case (3007).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { STRING, INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { setCaseRemark } from '../../services/case-agent.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam, textParam } from './inbox-params.ts';

export function inboxCaseRemark(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/remark',
    schema: describeRoute({ summary: 'Inbox: note a remark on a case', realm: 'inbox', body: object({ id: INTEGER, remark: STRING }), data: CASE_ANSWER }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      const remark = textParam(request, 'remark', { max: 1000, required: false });
      await setCaseRemark(deps, agent.projectId, id, agent.id, remark);
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
