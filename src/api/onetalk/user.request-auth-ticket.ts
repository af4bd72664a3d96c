// POST /api/integration/v1/user/request_auth_ticket — seed 000.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { requestLiveChatTicket } from '../../services/contacts.ts';
import { ONETALK_MESSAGES, validate } from '../../validation.ts';
import { REQUEST_TICKET_RULES, toContactFields } from './contact-rules.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

export function userRequestAuthTicket(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/integration/v1/user/request_auth_ticket',
    schema: describeRoute({
      summary: 'Save a contact and request a Live Chat auth ticket for it',
      realm: 'integration',
      body: bodyFromRules(REQUEST_TICKET_RULES),
      data: object({ success: BOOLEAN, message: STRING, userID: STRING, ticket: STRING }),
    }),
    handler: async (request) => {
      const auth = keyAuthOf(request);
      const input = validate(request.body, REQUEST_TICKET_RULES, ONETALK_MESSAGES);
      const result = await requestLiveChatTicket(deps, auth.projectId, toContactFields(input));
      return ok({ success: true, message: result.message, userID: result.contactID, ticket: result.ticket });
    },
  };
}
