// POST /v1/chat/scheduled_message/create — {message, scheduledTime} → {success, message,
// createdItem}. The message is what the SDK would send on the socket (checked the same way); the
// time is in the future, at most 365 days ahead. The same localID again answers the first row.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { createScheduled } from '../../services/scheduled-messages.ts';
import { clientBody } from '../../validation.ts';
import { SCHEDULED_ITEM, SCHEDULED_MESSAGE, scheduledTimeParam } from './scheduled-params.ts';

export function scheduledMessageCreate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/create',
    schema: describeRoute({
      summary: 'Schedule a message to be sent at a time',
      realm: 'client',
      body: { ...object({ message: SCHEDULED_MESSAGE, scheduledTime: INTEGER }), required: ['message', 'scheduledTime'] },
      data: object({ success: BOOLEAN, message: STRING, createdItem: SCHEDULED_ITEM }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      return ok(await createScheduled(deps, chatActorOf(request), body.message, scheduledTimeParam(body)));
    },
  };
}
