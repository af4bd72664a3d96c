// GET /inbox/api/cases — open cases by topic (the topics the agent serves), each with the visitor's
// contact, the newest message and the agent's unread count.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { describeRoute, object } from '../../http/openapi.ts';
import { listInboxCases } from '../../services/inbox-cases.ts';
import { agentOfRequest } from './inbox-params.ts';

export function inboxCases(deps: Deps): RouteOptions {
  return {
    method: 'GET',
    url: '/inbox/api/cases',
    schema: describeRoute({
      summary: 'Inbox: open cases by topic',
      realm: 'inbox',
      data: object({ topics: { type: 'array', items: { type: 'object', additionalProperties: true } } }),
    }),
    handler: async (request) => ok({ topics: await listInboxCases(deps, agentOfRequest(request)) }),
  };
}
