// The room id lists apps ask for at start-up (spec §7.2; docs/chat-state.md):
//   POST /v1/client/room/get_pinned_room_ids     — {} → {pinnedRoomIDs}   (most recently pinned first)
//   POST /v1/client/room/get_muted_room_ids      — {} → {mutedRooms: [{roomID, expiredAt}]}  (expired mutes left out)
//   POST /v1/client/room/get_unread_room_ids     — {} → {unreadRoomIDs}   (marked unread, or holding unread messages from others)
//   POST /v1/client/room/get_room_ids_with_state — {} → {clearedRooms: [{roomID, clearTime}], pinnedRoomIDs, mutedRooms, unreadRoomIDs} (Android)
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { type RoomIdsWithState, roomIdsWithState } from '../../services/room-choices.ts';

const IDS = { type: 'array', items: STRING };
const MUTED = { type: 'array', items: object({ roomID: STRING, expiredAt: INTEGER }) };
const CLEARED = { type: 'array', items: object({ roomID: STRING, clearTime: INTEGER }) };

function stateList<K extends keyof RoomIdsWithState>(deps: Deps, url: string, summary: string, key: K, schema: Record<string, unknown>): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({ summary, realm: 'client', data: object({ [key]: schema }) }),
    handler: async (request) => ok({ [key]: (await roomIdsWithState(deps, chatActorOf(request)))[key] }),
  };
}

export function roomGetPinnedRoomIds(deps: Deps): RouteOptions {
  return stateList(deps, '/v1/client/room/get_pinned_room_ids', 'Pinned rooms of the caller, most recently pinned first', 'pinnedRoomIDs', IDS);
}

export function roomGetMutedRoomIds(deps: Deps): RouteOptions {
  return stateList(deps, '/v1/client/room/get_muted_room_ids', 'Muted rooms of the caller (expiredAt 0: until unmuted)', 'mutedRooms', MUTED);
}

export function roomGetUnreadRoomIds(deps: Deps): RouteOptions {
  return stateList(deps, '/v1/client/room/get_unread_room_ids', "Rooms the caller marked unread or holding others' unread messages", 'unreadRoomIDs', IDS);
}

export function roomGetRoomIdsWithState(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get_room_ids_with_state',
    schema: describeRoute({
      summary: 'Cleared, pinned, muted and unread rooms of the caller in one answer',
      realm: 'client',
      data: object({ clearedRooms: CLEARED, pinnedRoomIDs: IDS, mutedRooms: MUTED, unreadRoomIDs: IDS }),
    }),
    handler: async (request) => ok(await roomIdsWithState(deps, chatActorOf(request))),
  };
}
