// POST /v1/client/room/get — {roomID} → {room, participants, adminUserIDs}; members only.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { getRoom } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';

const RULES = [ROOM_ID_RULE] as const;
const ANY = { type: 'object', additionalProperties: true };

/** The answer of room/get and of every group change (the web SDK reads `room`). */
export const ROOM_DETAILS = object({ room: ANY, participants: { type: 'array', items: ANY }, adminUserIDs: { type: 'array', items: STRING } });

export function roomGet(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/get',
    schema: describeRoute({ summary: 'A room with its participants and admins', realm: 'client', body: bodyFromRules(RULES), data: ROOM_DETAILS }),
    handler: async (request) => {
      const { roomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await getRoom(deps, chatActorOf(request), roomID));
    },
  };
}
