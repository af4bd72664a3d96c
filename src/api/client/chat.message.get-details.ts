// POST /v1/chat/message/get_details    — {messageID} → {message, deliveredTo, readBy}: per member.
// POST /v1/chat/message/get_total_read — {messageID} → {count}: how many members read it.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { messageDetails, totalRead } from '../../services/message-details.ts';
import { clientBody } from '../../validation.ts';
import { parseId } from '../../numeric-id.ts';

const BODY = { type: 'object', properties: { messageID: STRING }, required: ['messageID'] };
const RECIPIENTS = { type: 'array', items: { type: 'object', additionalProperties: true } };

/** `messageID` as the SDKs send it (a string; a number is taken too). */
function messageIdOf(raw: unknown): number {
  const v = clientBody(raw).messageID;
  const id = parseId(v);
  if (id === undefined) throw new ApiError('ParamValidationFailed', { field: 'messageID', message: "Param 'messageID' must be a message ID" });
  return id;
}

export function chatMessageGetDetails(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/get_details',
    schema: describeRoute({
      summary: 'A message with the members who got it and who read it',
      realm: 'client',
      body: BODY,
      data: object({ message: { type: 'object', additionalProperties: true }, deliveredTo: RECIPIENTS, readBy: RECIPIENTS }),
    }),
    handler: async (request) => ok(await messageDetails(deps, chatActorOf(request), messageIdOf(request.body))),
  };
}

export function chatMessageGetTotalRead(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/get_total_read',
    schema: describeRoute({ summary: 'How many members read a message', realm: 'client', body: BODY, data: object({ count: INTEGER }) }),
    handler: async (request) => ok({ count: await totalRead(deps, chatActorOf(request), messageIdOf(request.body)) }),
  };
}
