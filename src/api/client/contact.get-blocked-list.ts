// POST /v1/client/contact/get_blocked_list — "" → {blockedContacts, users}: the users the caller
// blocked, most recent first. The web SDK reads `blockedContacts`, the Android SDK `users`
// (TAPGetMultipleUserResponse); both hold user objects (docs/people.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute, object } from '../../http/openapi.ts';
import { blockedUsers } from '../../services/blocks.ts';

const USERS = { type: 'array', items: { type: 'object', additionalProperties: true } };

export function contactGetBlockedList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/get_blocked_list',
    schema: describeRoute({ summary: 'The users the caller blocked', realm: 'client', data: object({ blockedContacts: USERS, users: USERS }) }),
    handler: async (request) => {
      const users = await blockedUsers(deps, chatActorOf(request));
      return ok({ blockedContacts: users, users });
    },
  };
}
