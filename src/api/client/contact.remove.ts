// POST /v1/client/contact/remove — {userID} → {success, message}; unknown user 40401.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { removeContact } from '../../services/user-contacts.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';

const RULES = [{ name: 'userID', field: 'userID', label: 'User ID', required: true, max: 20 }] as const;

export function contactRemove(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/remove',
    schema: describeRoute({
      summary: "Remove a user from the caller's contacts",
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { userID } = validate(typeof body.userID === 'number' ? { ...body, userID: String(body.userID) } : body, RULES, POWERTALK_MESSAGES);
      return ok(await removeContact(deps, chatActorOf(request), userID));
    },
  };
}
