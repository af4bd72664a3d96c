// POST /v1/client/user/get_by_xcuserid — {"xcUserID"} → {user}; unknown → 404 / 40401.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientAuthOf } from '../../http/request-auth.ts';
import { getUser } from '../../services/sessions.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

const RULES = [{ name: 'xcUserID', field: 'xcUserID', label: 'XC user ID', required: true, max: 50 }] as const;

export function userGetByXcUserId(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/get_by_xcuserid',
    schema: describeRoute({
      summary: 'A user by xcUserID',
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => {
      const { xcUserID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok({ user: await getUser(deps, clientAuthOf(request).projectId, { xcUserID }) });
    },
  };
}
