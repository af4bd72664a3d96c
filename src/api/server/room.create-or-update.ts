// POST /v1/server/room/create_or_update — a room found by the backend's xcRoomID (101): type 2 group or
// 4 transaction room (102), name (103), pictures (104, 105), tags (106, replace), participants by
// xcUserID (107, new rooms only) and by user role code (108, replace).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { ROOM_TRANSACTION, createOrUpdateRoom } from '../../services/server-rooms.ts';
import { type FieldRule, POWERTALK_MESSAGES, jsonObject, validate } from '../../validation.ts';
import { integerParam, stringList } from './params.ts';

const RULES = [
  { name: 'xcRoomID', field: '101', label: 'XC room ID', required: true, max: 50 },
  { name: 'name', field: '103', label: 'Name', required: true, max: 100 },
  { name: 'photoThumbnailURL', field: '104', label: 'Photo thumbnail URL', required: false, max: 2048, format: 'url' },
  { name: 'photoFullsizeURL', field: '105', label: 'Photo fullsize URL', required: false, max: 2048, format: 'url' },
] as const satisfies readonly FieldRule[];

const STRINGS = { type: 'array', items: STRING };

export function roomCreateOrUpdate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/server/room/create_or_update',
    schema: describeRoute({
      summary: 'Create or update a room by xcRoomID (type 2 group or 4 transaction room)',
      realm: 'server',
      body: object({
        xcRoomID: STRING,
        type: INTEGER,
        name: STRING,
        photoThumbnailURL: STRING,
        photoFullsizeURL: STRING,
        tags: STRINGS,
        participantXCUserIDs: STRINGS,
        participantUserRoles: STRINGS,
      }),
      data: object({
        room: { type: 'object', additionalProperties: true },
        participants: { type: 'array', items: { type: 'object', additionalProperties: true } },
      }),
    }),
    handler: async (request) => {
      const body = jsonObject(request.body);
      // In the order of the field numbers: the first problem is the one reported.
      const { xcRoomID } = validate({ xcRoomID: body.xcRoomID }, RULES.slice(0, 1), POWERTALK_MESSAGES);
      const type = integerParam(body, 'type', '102');
      if (type === undefined) throw new ApiError('ParamValidationFailed', { field: '102', message: "Param 'type' is required" });
      if (type !== 2 && type !== ROOM_TRANSACTION)
        throw new ApiError('ParamValidationFailed', { field: '102', message: "Param 'type' must be 2 (group) or 4 (transaction room)" });
      const rest = validate(body, RULES, POWERTALK_MESSAGES);
      const room = await createOrUpdateRoom(deps, keyAuthOf(request).projectId, {
        xcRoomID,
        type,
        name: rest.name,
        photoThumbnailURL: rest.photoThumbnailURL,
        photoFullsizeURL: rest.photoFullsizeURL,
        tags: stringList(body, 'tags', '106', { items: 100, max: 100 }),
        participantXCUserIDs: stringList(body, 'participantXCUserIDs', '107', { items: 100, max: 50 }),
        participantUserRoles: stringList(body, 'participantUserRoles', '108', { items: 20, max: 50 }),
      });
      return ok(room);
    },
  };
}
