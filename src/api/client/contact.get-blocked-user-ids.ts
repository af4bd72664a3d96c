// POST /v1/client/contact/get_blocked_user_ids — "" → {blockedUserIDs}: the ids of the users the
// caller blocked. The Android SDK reads this answer as TapGetUnreadRoomIdsResponse, so the same list
// also goes as `unreadRoomIDs` (docs/people.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { blockedUsers } from '../../services/blocks.ts';

const IDS = { type: 'array', items: STRING };

export function contactGetBlockedUserIds(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/get_blocked_user_ids',
    schema: describeRoute({ summary: 'The ids of the users the caller blocked', realm: 'client', data: object({ blockedUserIDs: IDS, unreadRoomIDs: IDS }) }),
    handler: async (request) => {
      const ids = (await blockedUsers(deps, chatActorOf(request))).map((u) => u.userID);
      return ok({ blockedUserIDs: ids, unreadRoomIDs: ids });
    },
  };
}
