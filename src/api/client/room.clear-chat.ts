// POST /v1/client/room/clear_chat — {roomIDs} → {clearedRoomIDs}; room/clearChat {room} to the
// caller's devices. Clears the messages so far for the caller only.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { clearRooms } from '../../services/room-choices.ts';
import { roomIdsRoute } from './room-ids-route.ts';

export function roomClearChat(deps: Deps): RouteOptions {
  return roomIdsRoute('/v1/client/room/clear_chat', 'Clear the messages of rooms so far, for the caller only', 'clearedRoomIDs', (actor, ids) =>
    clearRooms(deps, actor, ids),
  );
}
