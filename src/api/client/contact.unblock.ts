// POST /v1/client/contact/unblock — {userID} → {success, message, user}; user/unblock to the caller's
// devices. Unblocking someone not blocked succeeds.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { unblockUser } from '../../services/blocks.ts';
import { USER_ID_RULES, USER_RESULT, userIdOf } from './contact.block.ts';

export function contactUnblock(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/unblock',
    schema: describeRoute({ summary: 'Unblock a user', realm: 'client', body: bodyFromRules(USER_ID_RULES), data: USER_RESULT }),
    handler: async (request) => ok(await unblockUser(deps, chatActorOf(request), userIdOf(request.body))),
  };
}
