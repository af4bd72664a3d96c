// POST /v1/client/room/participants/remove — {roomID, userIDs} → {room, participants, adminUserIDs}; group admins only.
// Each removed user also receives the room/removeParticipant message; removing oneself is room/leave.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/client-realm.ts';
import { STRING, bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { removeParticipants } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, userIdsParam } from './chat-params.ts';
import { ROOM_DETAILS } from './room.get.ts';

const RULES = [ROOM_ID_RULE] as const;
const BODY = bodyFromRules(RULES);

export function roomParticipantsRemove(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/participants/remove',
    schema: describeRoute({
      summary: 'Remove participants from a group (admins)',
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), userIDs: { type: 'array', items: STRING } }, required: ['roomID', 'userIDs'] },
      data: ROOM_DETAILS,
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await removeParticipants(deps, chatActorOf(request), roomID, userIdsParam(body, 'userIDs')));
    },
  };
}
