// The four group-membership endpoints share one shape: {roomID, userIDs} → {room, participants,
// adminUserIDs}, for group admins only. Each endpoint file names its path, summary and change.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, bodyFromRules, describeRoute } from '../../http/openapi.ts';
import type { ChatActor } from '../../services/room-state.ts';
import type { RoomDetails } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, userIdsParam } from './chat-params.ts';
import { ROOM_DETAILS } from './room.get.ts';

const RULES = [ROOM_ID_RULE] as const;
const BODY = bodyFromRules(RULES);

export function roomMembersRoute(
  deps: Deps,
  url: string,
  summary: string,
  change: (deps: Deps, actor: ChatActor, roomID: string, userIDs: number[]) => Promise<RoomDetails>,
): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({
      summary,
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), userIDs: { type: 'array', items: STRING } }, required: ['roomID', 'userIDs'] },
      data: ROOM_DETAILS,
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok(await change(deps, chatActorOf(request), roomID, userIdsParam(body, 'userIDs')));
    },
  };
}
