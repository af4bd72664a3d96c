// POST /v1/client/room/get_by_xc_room_id — {xcRoomID} → {room, participants, adminUserIDs}; members only.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { getRoomByXcRoomId } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_DETAILS } from './room.get.ts';

const RULES = [{ name: 'xcRoomID', field: 'xcRoomID', label: 'XC room ID', required: true, max: 100 }] as const;

export function roomGetByXcRoomId(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get_by_xc_room_id',
    schema: describeRoute({ summary: 'A room by its xcRoomID, with participants and admins', realm: 'client', body: bodyFromRules(RULES), data: ROOM_DETAILS }),
    handler: async (request) => {
      const { xcRoomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await getRoomByXcRoomId(deps, chatActorOf(request), xcRoomID));
    },
  };
}
