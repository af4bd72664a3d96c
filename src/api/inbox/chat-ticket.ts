// POST /inbox/api/chat_ticket — a chat auth ticket for the agent's own chat user, and the app key the
// page's chat SDK redeems it with, so the page opens the chat socket and sees typing, reads and
// messages live (services/inbox-chat.ts).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { linkBase } from '../../http/file-reply.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { type InboxKeys, agentChatTicket } from '../../services/inbox-chat.ts';
import { agentOfRequest } from './inbox-params.ts';

export function inboxChatTicket(deps: Deps, keys: InboxKeys): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/chat_ticket',
    schema: describeRoute({
      summary: 'Inbox: a chat ticket for the agent’s chat user, and the app key to redeem it',
      realm: 'inbox',
      data: object({ userID: STRING, ticket: STRING, appKeyID: STRING, appKeySecret: STRING, apiURL: STRING }),
    }),
    handler: async (request) => {
      const agent = agentOfRequest(request);
      const key = await keys.get(agent.projectId);
      return ok({ ...agentChatTicket(deps, agent), ...key, apiURL: linkBase(deps, request) });
    },
  };
}
