// POST /v1/client/room/create — {name, type: 2, userIDs} → {room, participants, adminUserIDs}.
// The creator becomes the group's admin; every member gets a room/create system message.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { ROOM_GROUP } from '../../chat/views.ts';
import { createGroup } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { intParam, userIdsParam } from './chat-params.ts';
import { ROOM_DETAILS } from './room.get.ts';

const RULES = [{ name: 'name', field: 'name', label: 'Name', required: true, max: 100 }] as const;
const BODY = bodyFromRules(RULES);

export function roomCreate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/create',
    schema: describeRoute({
      summary: 'Create a group room (the caller becomes its admin)',
      realm: 'client',
      body: {
        ...BODY,
        properties: { ...(BODY.properties as object), type: { ...INTEGER, enum: [ROOM_GROUP] }, userIDs: { type: 'array', items: STRING } },
        required: ['name', 'userIDs'],
      },
      data: ROOM_DETAILS,
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { name } = validate(body, RULES, POWERTALK_MESSAGES);
      if (intParam(body, 'type', { min: 0, max: 100, fallback: ROOM_GROUP }) !== ROOM_GROUP) {
        throw new ApiError('ParamValidationFailed', { field: 'type', message: `Param 'type' must be ${ROOM_GROUP} (group)` });
      }
      const userIDs = userIdsParam(body, 'userIDs');
      return ok(await createGroup(deps, chatActorOf(request), { name, userIDs }));
    },
  };
}
