// POST /inbox/api/case/reply — `{id, text, localID?}`: the agent's message into their open case (the first is its first response).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { STRING, INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { replyToCase } from '../../services/case-agent.ts';
import { getInboxCase } from '../../services/inbox-cases.ts';
import { CASE_ANSWER, agentOfRequest, caseIdParam, textParam } from './inbox-params.ts';

export function inboxCaseReply(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/case/reply',
    schema: describeRoute({
      summary: 'Inbox: reply in a case',
      realm: 'inbox',
      body: object({ id: INTEGER, text: STRING, localID: STRING }),
      data: CASE_ANSWER,
    }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const id = caseIdParam(request);
      const text = textParam(request, 'text', { max: 10_000, required: true });
      const localID = textParam(request, 'localID', { max: 32, required: false });
      await replyToCase(deps, agent.projectId, id, agent.id, { kind: 'text', text, ...(localID === '' ? {} : { localID }) });
      return ok(await getInboxCase(deps, agent, id));
    },
  };
}
