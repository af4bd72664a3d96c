// POST /v1/chat/file/download — {roomID, fileID} → the file's bytes. Room participants only; a file of
// another room or project is 40410. Refusals are the JSON envelope with Content-Type exactly
// `application/json`: the web SDK tells an error from a file by that header alone.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { errorHandler } from '../../http/errors.ts';
import { sendFileBytes } from '../../http/file-reply.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { bodyFromRules, describeRoute } from '../../http/openapi.ts';
import { downloadChatFile } from '../../services/files.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';

const RULES = [ROOM_ID_RULE, { name: 'fileID', field: 'fileID', label: 'File ID', required: true, max: 100 }] as const;

export function chatFileDownload(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/file/download',
    schema: describeRoute({
      summary: "Download a room's file (the bytes on success; the JSON envelope on refusal)",
      realm: 'client',
      body: bodyFromRules(RULES),
      data: { type: 'object', description: 'Never sent: success is the file itself' },
    }),
    errorHandler: errorHandler('ok'),
    // After serialisation (which adds a charset): every JSON answer of this route, refusals by the
    // realm's hooks included, leaves with the exact type the SDK compares against.
    onSend: async (_request, reply, payload) => {
      if (String(reply.getHeader('content-type')).startsWith('application/json')) reply.header('content-type', 'application/json');
      return payload;
    },
    handler: async (request, reply) => {
      const { roomID, fileID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return sendFileBytes(reply, await downloadChatFile(deps, chatActorOf(request), roomID, fileID));
    },
  };
}
