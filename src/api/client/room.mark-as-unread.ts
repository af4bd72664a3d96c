// POST /v1/client/room/mark_as_unread — {roomIDs} → {unreadRoomIDs}; room/markAsUnread {room} to the
// caller's devices. Reading a message of the room drops the mark (room/markAsRead).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { markRoomsUnread } from '../../services/room-choices.ts';
import { roomIdsRoute } from './room-ids-route.ts';

export function roomMarkAsUnread(deps: Deps): RouteOptions {
  return roomIdsRoute('/v1/client/room/mark_as_unread', 'Mark rooms unread for the caller until they read in them', 'unreadRoomIDs', (actor, ids) =>
    markRoomsUnread(deps, actor, ids),
  );
}
