// POST /v1/client/room/mute — {roomIDs, expiredAt} → {mutedRoomIDs}; room/mute {room, expiredAt} to
// the caller's devices. expiredAt 0 mutes until unmuted, a time (epoch ms) until then.
// POST /v1/client/room/unmute — {roomIDs} → {unmutedRoomIDs}; room/unmute {room}.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { INTEGER } from '../../http/openapi.ts';
import { muteRooms, unmuteRooms } from '../../services/room-choices.ts';
import { intParam } from './chat-params.ts';
import { roomIdsRoute } from './room-ids-route.ts';

export function roomMute(deps: Deps): RouteOptions {
  return roomIdsRoute(
    '/v1/client/room/mute',
    'Mute rooms for the caller, until expiredAt (epoch ms) or, with 0, until unmuted',
    'mutedRoomIDs',
    (actor, ids, body) => muteRooms(deps, actor, ids, intParam(body, 'expiredAt', { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })),
    { expiredAt: INTEGER },
  );
}

export function roomUnmute(deps: Deps): RouteOptions {
  return roomIdsRoute('/v1/client/room/unmute', 'Unmute rooms for the caller', 'unmutedRoomIDs', (actor, ids) => unmuteRooms(deps, actor, ids));
}
