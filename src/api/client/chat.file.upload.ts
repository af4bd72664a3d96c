// POST /v1/chat/file/upload — multipart roomID, file, caption, fileType (image|video|audio|file) →
// {id, fileID, fileURL, mediaType, size, width, height, caption, thumbnail}. Room participants only, not
// into a locked room (a closed case's); at most chatMediaMaxFileSize (25 MiB). The bytes decide the
// type: a declared kind they do not match is 41500 (docs/files.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import type { FileKind } from '../../files/inspect.ts';
import { receiveUpload } from '../../files/intake.ts';
import { linkBase } from '../../http/file-reply.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { CHAT_FILE_MAX_BYTES, fileLink, saveFile } from '../../services/files.ts';
import { refuseLockedRoom, roomOfMember } from '../../services/room-state.ts';
import { POWERTALK_MESSAGES, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';

const RULES = [
  ROOM_ID_RULE,
  { name: 'caption', field: 'caption', label: 'Caption', required: false, max: 4000 },
  { name: 'fileType', field: 'fileType', label: 'File type', required: false, max: 10 },
] as const;
const KINDS: readonly FileKind[] = ['image', 'video', 'audio', 'file'];

export const UPLOADED = object({
  id: STRING,
  fileID: STRING,
  fileURL: STRING,
  mediaType: STRING,
  size: INTEGER,
  width: INTEGER,
  height: INTEGER,
  caption: STRING,
  thumbnail: { type: 'string', description: 'Images: a small JPEG, base64' },
});

export function chatFileUpload(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/file/upload',
    schema: describeRoute({ summary: 'Upload a file to a room (before sending an image, video, voice or file message)', realm: 'client', data: UPLOADED }),
    handler: async (request) => {
      const actor = chatActorOf(request);
      // The SDKs send roomID first: a non-participant (or a locked room) is refused before the file is read.
      const beforeFile = async (fields: Record<string, string>) => {
        if (fields.roomID !== undefined && fields.roomID.trim() !== '') refuseLockedRoom(await roomOfMember(deps, actor, fields.roomID.trim()));
      };
      const received = await receiveUpload(request, { maxBytes: CHAT_FILE_MAX_BYTES, beforeFile });
      try {
        const input = validate(received.fields, RULES, POWERTALK_MESSAGES);
        const kind = (input.fileType ?? 'file') as FileKind;
        if (!KINDS.includes(kind))
          throw new ApiError('ParamValidationFailed', { field: 'fileType', message: "Param 'fileType' must be one of: image, video, audio, file" });
        refuseLockedRoom(await roomOfMember(deps, actor, input.roomID));
        const caption = input.caption ?? '';
        const { file, token, thumbnail } = await saveFile(
          deps,
          { projectId: actor.projectId, ownerId: actor.userId, purpose: 'chat', roomId: input.roomID, caption, declared: kind },
          received.file,
        );
        return ok({
          id: file.id,
          fileID: file.id,
          fileURL: fileLink(linkBase(deps, request), file, token),
          mediaType: file.mediaType,
          size: file.size,
          width: file.width,
          height: file.height,
          caption,
          thumbnail: thumbnail?.toString('base64') ?? '',
        });
      } finally {
        await received.discard();
      }
    },
  };
}
