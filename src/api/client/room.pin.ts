// POST /v1/client/room/pin — {roomIDs} → {pinnedRoomIDs}; room/pin {room} to the caller's devices.
// POST /v1/client/room/unpin — {roomIDs} → {unpinnedRoomIDs}; room/unpin {room}.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { pinRooms, unpinRooms } from '../../services/room-choices.ts';
import { roomIdsRoute } from './room-ids-route.ts';

export function roomPin(deps: Deps): RouteOptions {
  return roomIdsRoute('/v1/client/room/pin', 'Pin rooms on top of the caller’s room list', 'pinnedRoomIDs', (actor, ids) => pinRooms(deps, actor, ids));
}

export function roomUnpin(deps: Deps): RouteOptions {
  return roomIdsRoute('/v1/client/room/unpin', 'Unpin rooms of the caller’s room list', 'unpinnedRoomIDs', (actor, ids) => unpinRooms(deps, actor, ids));
}
