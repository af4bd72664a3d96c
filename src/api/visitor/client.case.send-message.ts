// POST /api/visitor/v1/client/case/send_message — the Live Chat SDK sends the visitor's messages here,
// not over the socket (onetalk-protocol.md §2.5): stored through the chat core under the SDK's localID,
// so the message comes back on the socket as the one the SDK is waiting for.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { type CaseMessage, MESSAGE_TYPES, type MessageKind } from '../../services/case-messages.ts';
import { sendVisitorMessage } from '../../services/cases.ts';
import { clientBody, isPlainObject, isStorableText } from '../../validation.ts';
import { caseIdOf, visitorOf } from './visitor-params.ts';

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });
const TEXT_MAX = 10_000;

function text(value: unknown, field: string, max: number, required: boolean): string {
  if (value === undefined || value === null) {
    if (required) throw invalid(field, `Param '${field}' is required`);
    return '';
  }
  if (typeof value !== 'string') throw invalid(field, `Param '${field}' must be a string`);
  if ((required && value.trim() === '') || value.length > max || !isStorableText(value))
    throw invalid(field, `Param '${field}' must be text of 1 to ${max} characters`);
  return value;
}

function readMessage(body: Record<string, unknown>): CaseMessage {
  const kind = body.messageType ?? 'text';
  if (typeof kind !== 'string' || !Object.hasOwn(MESSAGE_TYPES, kind))
    throw invalid('messageType', "Param 'messageType' must be one of: text, image, video, file");
  const localID = text(body.localID, 'localID', 64, true);
  if (kind === 'text') return { kind, text: text(body.text, 'text', TEXT_MAX, true), localID };
  const media = body[kind];
  if (!isPlainObject(media)) throw invalid(kind, `Param '${kind}' is required for a message of type ${kind}`);
  const fileURL = text(media.fileURL, `${kind}.fileURL`, 2048, true);
  if (!/^https?:\/\//i.test(fileURL)) throw invalid(`${kind}.fileURL`, `Param '${kind}.fileURL' must be an http or https URL`);
  const caption = text(media.caption, `${kind}.caption`, TEXT_MAX, false);
  const filename = text(media.filename, `${kind}.filename`, 255, false);
  return { kind: kind as MessageKind, text: text(body.text, 'text', TEXT_MAX, false) || caption, localID, media: { fileURL, caption, filename } };
}

export function visitorCaseSendMessage(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/send_message',
    schema: describeRoute({
      summary: 'Send the visitor’s message into their open case',
      realm: 'visitor',
      body: object({ id: INTEGER, createdTime: INTEGER, localID: STRING, replyToLocalID: STRING, messageType: STRING, text: STRING }),
      data: object({ success: BOOLEAN, message: STRING, reason: STRING }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const id = caseIdOf(body);
      await sendVisitorMessage(deps, visitorOf(request), id, readMessage(body));
      return ok({ success: true, message: 'Message sent', reason: '' });
    },
  };
}
