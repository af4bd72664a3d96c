// POST /v1/client/user/get_by_id — {"id"} → {user}; unknown → 404 / 40401.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientAuthOf } from '../../http/request-auth.ts';
import { getUser } from '../../services/sessions.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

const RULES = [{ name: 'id', field: 'id', label: 'ID', required: true, max: 20 }] as const;

export function userGetById(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/get_by_id',
    schema: describeRoute({
      summary: 'A user by userID',
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => {
      const { id } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok({ user: await getUser(deps, clientAuthOf(request).projectId, { id }) });
    },
  };
}
