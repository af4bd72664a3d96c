// POST /v1/client/room/admins/promote — {roomID, userIDs} → {room, participants, adminUserIDs}; group admins only.
// Targets must be participants; admins already are skipped.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { promoteAdmins } from '../../services/rooms.ts';
import { roomMembersRoute } from './room-members-route.ts';

export function roomAdminsPromote(deps: Deps): RouteOptions {
  return roomMembersRoute(deps, '/v1/client/room/admins/promote', 'Make participants admins of a group (admins)', promoteAdmins);
}
