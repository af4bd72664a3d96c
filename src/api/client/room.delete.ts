// POST /v1/client/room/delete — {roomID, checksum} → {success, message}; group admins only.
// The checksum (md5 of roomID:2:userID:accessTokenExpiry) is required but not verified: every input
// of it is the caller's own, so it proves nothing the access token does not (decisions-chat-rooms.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { deleteGroup } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';

const RULES = [ROOM_ID_RULE, { name: 'checksum', field: 'checksum', label: 'Checksum', required: true, max: 100 }] as const;

export function roomDelete(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/delete',
    schema: describeRoute({
      summary: 'Delete a group (admins)',
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const { roomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await deleteGroup(deps, chatActorOf(request), roomID));
    },
  };
}
