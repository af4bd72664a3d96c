// POST /v1/server/message/send/custom — a message on behalf of a user, in plain text (the path TapTalk's
// Android SDK called for it; docs/server-api.md). senderXCUserID (101); exactly one of
// recipientXCUserID (102) and xcRoomID (103); messageType (104); body (105); data (106); filterID
// (107); isHidden (108); localID (109, optional: a retry with the same one is answered, not repeated).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { checkCustomData, isCustomType, sendCustomMessage } from '../../services/custom-messages.ts';
import { type FieldRule, POWERTALK_MESSAGES, jsonObject, validate } from '../../validation.ts';
import { booleanParam, integerParam } from './params.ts';

export function messageSendCustom(deps: Deps): RouteOptions {
  const max = deps.chat.limits.content;
  // Plain text grows by a third once encrypted: the stored ciphertext stays within the message limit.
  const plainMax = Math.floor((max * 3) / 4) - 64;
  const rules = [
    { name: 'senderXCUserID', field: '101', label: 'Sender XC user ID', required: true, max: 50 },
    { name: 'recipientXCUserID', field: '102', label: 'Recipient XC user ID', required: false, max: 50 },
    { name: 'xcRoomID', field: '103', label: 'XC room ID', required: false, max: 50 },
    { name: 'body', field: '105', label: 'Body', required: true, max: plainMax },
    { name: 'data', field: '106', label: 'Data', required: false, max: plainMax },
    { name: 'filterID', field: '107', label: 'Filter ID', required: false, max: 255 },
    { name: 'localID', field: '109', label: 'Local ID', required: false, max: 64 },
  ] as const satisfies readonly FieldRule[];
  return {
    method: 'POST',
    url: '/v1/server/message/send/custom',
    schema: describeRoute({
      summary: 'Send a message on behalf of a user, to a personal room or a room',
      realm: 'server',
      body: object({
        senderXCUserID: STRING,
        recipientXCUserID: STRING,
        xcRoomID: STRING,
        messageType: INTEGER,
        body: STRING,
        data: STRING,
        filterID: STRING,
        isHidden: BOOLEAN,
        localID: STRING,
      }),
      data: object({ success: BOOLEAN, localID: STRING, messageID: STRING }),
    }),
    handler: async (request) => {
      const body = jsonObject(request.body);
      const input = validate(body, rules, POWERTALK_MESSAGES);
      if ((input.recipientXCUserID === undefined) === (input.xcRoomID === undefined)) {
        throw new ApiError('ParamValidationFailed', { field: '102', message: "Give exactly one of 'recipientXCUserID' and 'xcRoomID'" });
      }
      const messageType = integerParam(body, 'messageType', '104');
      if (messageType === undefined) throw new ApiError('ParamValidationFailed', { field: '104', message: "Param 'messageType' is required" });
      if (!isCustomType(messageType))
        throw new ApiError('ParamValidationFailed', { field: '104', message: "Param 'messageType' must be 1001, 1002, 2001 or 3000-3999" });
      checkCustomData(messageType, input.data ?? '');
      if (input.localID !== undefined && !/^[\x21-\x7e]{1,64}$/.test(input.localID)) {
        throw new ApiError('ParamValidationFailed', { field: '109', message: "Param 'localID' must be 1 to 64 printable ASCII characters" });
      }
      const result = await sendCustomMessage(deps, keyAuthOf(request).projectId, {
        senderXCUserID: input.senderXCUserID,
        recipientXCUserID: input.recipientXCUserID,
        xcRoomID: input.xcRoomID,
        messageType,
        body: input.body,
        data: input.data ?? '',
        filterID: input.filterID ?? '',
        isHidden: booleanParam(body, 'isHidden', '108') ?? false,
        localID: input.localID,
      });
      return ok(result);
    },
  };
}
