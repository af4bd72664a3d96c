// POST /v1/server/user/update — create or update a user's profile by xcUserID (fields 105–112, as on
// auth_ticket/request). Connected clients of the user and of their rooms see the change.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { updateUser } from '../../services/server-users.ts';
import { POWERTALK_MESSAGES, validate } from '../../validation.ts';
import { AUTH_TICKET_RULES, profileInput } from './auth-ticket.request.ts';

/** The profile fields of auth_ticket/request (105–112): the device fields 101–104 are not asked. */
const RULES = AUTH_TICKET_RULES.slice(4);

export function userUpdate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/server/user/update',
    schema: describeRoute({
      summary: "Create or update a user's profile by xcUserID",
      realm: 'server',
      body: bodyFromRules(RULES),
      data: object({ userID: STRING }),
    }),
    handler: async (request) => {
      const input = validate(request.body, RULES, POWERTALK_MESSAGES);
      const result = await updateUser(deps, keyAuthOf(request).projectId, profileInput(input));
      return ok(result);
    },
  };
}
