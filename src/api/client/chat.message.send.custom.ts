// POST /v1/chat/message/send/custom — {roomID | recipientUserID, localID, messageType, body (plain),
// data (plain JSON text), filterID, isHidden} → {success, message} once stored and delivered
// (Android TAPSendCustomMessageRequest). Refusals as on the socket (docs/people.md).
import type { RouteOptions } from 'fastify';
import { nestsDeeperThan } from '../../chat/message-extra.ts';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { sendCustomMessage } from '../../services/custom-message.ts';
import { assertStorableText, clientBody } from '../../validation.ts';
import { boolParam, intParam } from './chat-params.ts';

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

/** An optional string field ('' when absent); ids may come as numbers. */
function text(body: Record<string, unknown>, name: string, max: number, numeric = false): string {
  const v = body[name];
  if (v === undefined || v === null) return '';
  if (numeric && typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (typeof v !== 'string') throw invalid(name, `Param '${name}' must be a string`);
  if (v.length > max) throw new ApiError('PayloadTooLarge', { field: name, message: `${name} is too long (max ${max} characters)` });
  return v;
}

/** How many levels `data` sent as an object may nest (docs/people.md). */
const MAX_DATA_DEPTH = 16;

/** `data` as JSON text. iOS may send it as an object: it is JSON text on the wire either way. */
function dataText(body: Record<string, unknown>, limit: number): string {
  const v = body.data;
  if (typeof v !== 'object' || v === null) return text(body, 'data', limit);
  // Checked before it is serialised: a structure thousands of levels deep overflows the stack.
  if (nestsDeeperThan(v, MAX_DATA_DEPTH)) throw invalid('data', `data nests too deeply (at most ${MAX_DATA_DEPTH} levels)`);
  return JSON.stringify(v);
}

export function chatMessageSendCustom(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/send/custom',
    schema: describeRoute({
      summary: 'Send a message over REST with plain-text content (the server encrypts it)',
      realm: 'client',
      body: object({
        roomID: STRING,
        recipientUserID: STRING,
        localID: STRING,
        messageType: INTEGER,
        body: STRING,
        data: STRING,
        filterID: STRING,
        isHidden: BOOLEAN,
      }),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const limit = deps.chat.limits.content;
      const data = dataText(body, limit);
      const input = {
        roomID: text(body, 'roomID', 100),
        recipientUserID: text(body, 'recipientUserID', 20, true),
        localID: text(body, 'localID', 64),
        messageType: intParam(body, 'messageType', { min: 0, max: 999_999, fallback: -1 }),
        body: text(body, 'body', limit),
        data,
        filterID: text(body, 'filterID', 255),
        isHidden: boolParam(body, 'isHidden', false),
      };
      if (input.messageType < 0) throw invalid('messageType', "Param 'messageType' is required");
      // Plain text is encrypted into Base64, where a NUL or a lone surrogate would pass unseen.
      assertStorableText({ body: input.body, data: input.data, filterID: input.filterID }, '');
      return ok(await sendCustomMessage(deps, chatActorOf(request), input));
    },
  };
}
