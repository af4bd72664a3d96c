// The room id lists apps ask for at start-up (spec §7.2):
//   POST /v1/client/room/get_pinned_room_ids  — {} → {pinnedRoomIDs: []}   (no pinning yet)
//   POST /v1/client/room/get_muted_room_ids   — {} → {mutedRooms: []}      (no muting yet)
//   POST /v1/client/room/get_unread_room_ids  — {} → {unreadRoomIDs}       (rooms with unread messages from others)
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { unreadRoomIds } from '../../services/rooms.ts';

const IDS = { type: 'array', items: STRING };

export function roomGetPinnedRoomIds(): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get_pinned_room_ids',
    schema: describeRoute({ summary: 'Pinned rooms of the caller (none: pinning is not offered)', realm: 'client', data: object({ pinnedRoomIDs: IDS }) }),
    handler: async () => ok({ pinnedRoomIDs: [] }),
  };
}

export function roomGetMutedRoomIds(): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get_muted_room_ids',
    schema: describeRoute({
      summary: 'Muted rooms of the caller (none: muting is not offered)',
      realm: 'client',
      data: object({ mutedRooms: { type: 'array', items: object({ roomID: STRING, expiredAt: INTEGER }) } }),
    }),
    handler: async () => ok({ mutedRooms: [] }),
  };
}

export function roomGetUnreadRoomIds(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get_unread_room_ids',
    schema: describeRoute({ summary: "Rooms of the caller holding others' unread messages", realm: 'client', data: object({ unreadRoomIDs: IDS }) }),
    handler: async (request) => ok({ unreadRoomIDs: await unreadRoomIds(deps, chatActorOf(request)) }),
  };
}
