// POST /v1/client/contact/add — {userID} → {success, message, user}; unknown user 40401, oneself 40002.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { addContact } from '../../services/user-contacts.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';

const RULES = [{ name: 'userID', field: 'userID', label: 'User ID', required: true, max: 20 }] as const;

export function contactAdd(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/add',
    schema: describeRoute({
      summary: "Add a user to the caller's contacts",
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ success: BOOLEAN, message: STRING, user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      // Apps may pass the id as a number; the SDK forwards whatever it is given.
      const { userID } = validate(typeof body.userID === 'number' ? { ...body, userID: String(body.userID) } : body, RULES, POWERTALK_MESSAGES);
      return ok(await addContact(deps, chatActorOf(request), userID));
    },
  };
}
