// POST /v1/client/room/update — {roomID, name} → {room, participants, adminUserIDs}; group admins only.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { renameGroup } from '../../services/rooms.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { ROOM_DETAILS } from './room.get.ts';

const RULES = [ROOM_ID_RULE, { name: 'name', field: 'name', label: 'Name', required: true, max: 100 }] as const;

export function roomUpdate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/update',
    schema: describeRoute({ summary: 'Rename a group (admins)', realm: 'client', body: bodyFromRules(RULES), data: ROOM_DETAILS }),
    handler: async (request) => {
      const { roomID, name } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await renameGroup(deps, chatActorOf(request), roomID, name));
    },
  };
}
