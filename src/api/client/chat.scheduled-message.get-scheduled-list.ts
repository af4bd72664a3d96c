// POST /v1/chat/scheduled_message/get_scheduled_list — {roomID} → {items: [{id, scheduledTime,
// createdTime, updatedTime, message}]}: the caller's messages waiting in the room, soonest first.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { listScheduled } from '../../services/scheduled-messages.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { SCHEDULED_ITEM } from './scheduled-params.ts';

const RULES = [ROOM_ID_RULE] as const;

export function scheduledMessageGetList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/get_scheduled_list',
    schema: describeRoute({
      summary: "The caller's scheduled messages in a room, soonest first",
      realm: 'client',
      body: bodyFromRules(RULES),
      data: object({ items: { type: 'array', items: SCHEDULED_ITEM } }),
    }),
    handler: async (request) => {
      const { roomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await listScheduled(deps, chatActorOf(request), roomID));
    },
  };
}
