// POST /v1/chat/scheduled_message/delete — {ids, roomID} → {ids}: the caller's scheduled messages in
// the room that were still waiting, deleted. Unknown ids and others' are left out of the answer.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { deleteScheduledMessages } from '../../services/scheduled-messages.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { IDS_ANSWER, IDS_BODY, scheduledIdsParam } from './scheduled-params.ts';

export function scheduledMessageDelete(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/delete',
    schema: describeRoute({ summary: 'Delete scheduled messages before they are sent', realm: 'client', body: IDS_BODY, data: IDS_ANSWER }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, [ROOM_ID_RULE], POWERTALK_MESSAGES);
      return ok(await deleteScheduledMessages(deps, chatActorOf(request), roomID, scheduledIdsParam(body)));
    },
  };
}
