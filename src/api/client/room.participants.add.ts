// POST /v1/client/room/participants/add — {roomID, userIDs} → {room, participants, adminUserIDs}; group admins only.
// Users already in the group are skipped; each added user gets a room/addParticipant message.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { addParticipants } from '../../services/rooms.ts';
import { roomMembersRoute } from './room-members-route.ts';

export function roomParticipantsAdd(deps: Deps): RouteOptions {
  return roomMembersRoute(deps, '/v1/client/room/participants/add', 'Add participants to a group (admins)', addParticipants);
}
