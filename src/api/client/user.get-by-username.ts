// POST /v1/client/user/get_by_username — {username, ignoreCase} → {user}; unknown → 40401.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { getUserByUsername } from '../../services/user-contacts.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { boolParam } from './chat-params.ts';

const RULES = [{ name: 'username', field: 'username', label: 'Username', required: true, max: 100 }] as const;
const BODY = bodyFromRules(RULES);

export function userGetByUsername(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/get_by_username',
    schema: describeRoute({
      summary: 'A user by username (optionally ignoring case)',
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), ignoreCase: BOOLEAN } },
      data: object({ user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { username } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await getUserByUsername(deps, chatActorOf(request).projectId, username, boolParam(body, 'ignoreCase', false)));
    },
  };
}
