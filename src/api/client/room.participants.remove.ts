// POST /v1/client/room/participants/remove — {roomID, userIDs} → {room, participants, adminUserIDs}; group admins only.
// Each removed user also receives the room/removeParticipant message; removing oneself is room/leave.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { removeParticipants } from '../../services/rooms.ts';
import { roomMembersRoute } from './room-members-route.ts';

export function roomParticipantsRemove(deps: Deps): RouteOptions {
  return roomMembersRoute(deps, '/v1/client/room/participants/remove', 'Remove participants from a group (admins)', removeParticipants);
}
