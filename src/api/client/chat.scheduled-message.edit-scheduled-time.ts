// POST /v1/chat/scheduled_message/edit_scheduled_time — {id, scheduledTime} → {success, message}.
// Only the sender's own, still waiting (else 40403); the same time rules as create.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { editScheduledTime } from '../../services/scheduled-messages.ts';
import { clientBody } from '../../validation.ts';
import { DONE, scheduledIdParam, scheduledTimeParam } from './scheduled-params.ts';

export function scheduledMessageEditTime(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/edit_scheduled_time',
    schema: describeRoute({
      summary: 'Change when a scheduled message is sent',
      realm: 'client',
      body: { ...object({ id: INTEGER, scheduledTime: INTEGER }), required: ['id', 'scheduledTime'] },
      data: DONE,
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const id = scheduledIdParam(body);
      return ok(await editScheduledTime(deps, chatActorOf(request), id, scheduledTimeParam(body)));
    },
  };
}
