// POST /v1/chat/scheduled_message/edit_content — {id, message} → {success, message}. The new message
// replaces the old one whole (its localID too: the content is encrypted under it); it stays in its room.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { editScheduledContent } from '../../services/scheduled-messages.ts';
import { clientBody } from '../../validation.ts';
import { DONE, SCHEDULED_MESSAGE, scheduledIdParam } from './scheduled-params.ts';

export function scheduledMessageEditContent(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/scheduled_message/edit_content',
    schema: describeRoute({
      summary: 'Change what a scheduled message says',
      realm: 'client',
      body: { ...object({ id: INTEGER, message: SCHEDULED_MESSAGE }), required: ['id', 'message'] },
      data: DONE,
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      return ok(await editScheduledContent(deps, chatActorOf(request), scheduledIdParam(body), body.message));
    },
  };
}
