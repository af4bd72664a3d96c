// POST /v1/client/user/get_all_by_ids — {ids} → {users} (Android/iOS): the users that exist, in the
// order asked; unknown ids are left out. At most 500 ids.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { usersByIds } from '../../services/profile.ts';
import { clientBody } from '../../validation.ts';
import { userIdsParam } from './chat-params.ts';

export function userGetAllByIds(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/get_all_by_ids',
    schema: describeRoute({
      summary: 'Several users by id',
      realm: 'client',
      body: object({ ids: { type: 'array', items: STRING, maxItems: 500 } }),
      data: object({ users: { type: 'array', items: { type: 'object', additionalProperties: true } } }),
    }),
    handler: async (request) => ok(await usersByIds(deps, chatActorOf(request), userIdsParam(clientBody(request.body), 'ids', 500))),
  };
}
