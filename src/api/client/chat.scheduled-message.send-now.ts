// POST /v1/chat/scheduled_message/send_now — {ids, roomID} → {ids}: the caller's scheduled messages
// sent at once (stored and delivered like any). Ids unknown, of others, or being sent by the scheduler
// at that moment are left out of the answer.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { sendScheduledNow } from '../../services/scheduled-messages.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { IDS_ANSWER, IDS_BODY, scheduledIdsParam } from './scheduled-params.ts';

export function scheduledMessageSendNow(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/send_now',
    schema: describeRoute({ summary: 'Send scheduled messages now', realm: 'client', body: IDS_BODY, data: IDS_ANSWER }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, [ROOM_ID_RULE], POWERTALK_MESSAGES);
      return ok(await sendScheduledNow(deps, chatActorOf(request), roomID, scheduledIdsParam(body)));
    },
  };
}
