// POST /v1/client/room/admins/demote — {roomID, userIDs} → {room, participants, adminUserIDs}; group admins only.
// Targets must be participants; a group always keeps one admin.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { demoteAdmins } from '../../services/rooms.ts';
import { roomMembersRoute } from './room-members-route.ts';

export function roomAdminsDemote(deps: Deps): RouteOptions {
  return roomMembersRoute(deps, '/v1/client/room/admins/demote', 'Remove the admin role from participants (admins)', demoteAdmins);
}
