// POST /v1/client/room/leave — {roomID} → {success, message}. The last admin's role passes to the
// longest-standing member; the last member leaving deletes the group.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { leaveGroup } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';

const RULES = [ROOM_ID_RULE] as const;

export function roomLeave(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/leave',
    schema: describeRoute({ summary: 'Leave a group', realm: 'client', body: bodyFromRules(RULES), data: object({ success: BOOLEAN, message: STRING }) }),
    handler: async (request) => {
      const { roomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await leaveGroup(deps, chatActorOf(request), roomID));
    },
  };
}
