// POST /v1/client/user/exists/username — {username, ignoreCase} → {exists} (Android/iOS; the Android
// SDK sends ignoreCase false).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { usernameExists } from '../../services/profile.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { boolParam } from './chat-params.ts';

const RULES = [{ name: 'username', field: 'username', label: 'Username', required: true, max: 100 }] as const;
const BODY = bodyFromRules(RULES);

export function userExistsUsername(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/exists/username',
    schema: describeRoute({
      summary: 'Whether a username is taken',
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), ignoreCase: BOOLEAN } },
      data: object({ exists: BOOLEAN }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { username } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await usernameExists(deps, chatActorOf(request), username, boolParam(body, 'ignoreCase', false)));
    },
  };
}
