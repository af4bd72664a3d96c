// POST /v1/client/room/groups_in_common — {userID} → {rooms}: the groups the caller shares with the user.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { groupsInCommon } from '../../services/room-lookups.ts';
import { USER_ID_RULES, userIdOf } from './contact.block.ts';

export function roomGroupsInCommon(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/groups_in_common',
    schema: describeRoute({
      summary: 'Groups the caller and a user are both in',
      realm: 'client',
      body: bodyFromRules(USER_ID_RULES),
      data: object({ rooms: { type: 'array', items: { type: 'object', additionalProperties: true } } }),
    }),
    handler: async (request) => ok({ rooms: await groupsInCommon(deps, chatActorOf(request), userIdOf(request.body)) }),
  };
}
