// POST /v1/chat/room/get_shared_content — {roomID, minCreated, maxCreated (0: none), sortOrder
// ("DESC" default, or "ASC")} → {media, files, links}: image/video, file and link messages by type.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { sharedContent } from '../../services/room-lookups.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, intParam } from './chat-params.ts';

const RULES = [ROOM_ID_RULE] as const;
const BODY = bodyFromRules(RULES);
const ITEMS = { type: 'array', items: { type: 'object', additionalProperties: true } };
const MAX_TIME = 8_640_000_000_000_000;

export function chatRoomGetSharedContent(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/room/get_shared_content',
    schema: describeRoute({
      summary: 'Media, files and links of a room, as the caller sees it',
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), minCreated: INTEGER, maxCreated: INTEGER, sortOrder: STRING } },
      data: object({ media: ITEMS, files: ITEMS, links: ITEMS }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      const minCreated = intParam(body, 'minCreated', { min: 0, max: MAX_TIME, fallback: 0 });
      const maxCreated = intParam(body, 'maxCreated', { min: 0, max: MAX_TIME, fallback: 0 });
      const order = body.sortOrder ?? 'DESC';
      if (order !== 'DESC' && order !== 'ASC')
        throw new ApiError('ParamValidationFailed', { field: 'sortOrder', message: "Param 'sortOrder' must be DESC or ASC" });
      return ok(await sharedContent(deps, chatActorOf(request), roomID, { minCreated, maxCreated, newestFirst: order === 'DESC' }));
    },
  };
}
