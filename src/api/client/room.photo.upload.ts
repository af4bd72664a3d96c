// POST /v1/client/room/photo/upload — multipart roomID, file (an image, at most roomPhotoMaxFileSize,
// 10 MiB) → {room, participants, adminUserIDs}. Group admins only, checked before the file is read
// when roomID comes first (web SDK); announced like room/update.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { receiveUpload } from '../../files/intake.ts';
import { linkBase } from '../../http/file-reply.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute } from '../../http/openapi.ts';
import { PHOTO_MAX_BYTES } from '../../services/files.ts';
import { assertGroupAdmin, uploadRoomPhoto } from '../../services/photos.ts';
import { POWERTALK_MESSAGES, validate } from '../../validation.ts';
import { ROOM_ID_RULE } from './chat-params.ts';
import { ROOM_DETAILS } from './room.get.ts';

export function roomPhotoUpload(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/room/photo/upload',
    schema: describeRoute({ summary: "Set a group's photo (admins; multipart roomID, file)", realm: 'client', data: ROOM_DETAILS }),
    handler: async (request) => {
      const actor = chatActorOf(request);
      const beforeFile = async (fields: Record<string, string>) => {
        if (fields.roomID !== undefined && fields.roomID.trim() !== '') await assertGroupAdmin(deps, actor, fields.roomID.trim());
      };
      const received = await receiveUpload(request, { maxBytes: PHOTO_MAX_BYTES, beforeFile });
      try {
        const { roomID } = validate(received.fields, [ROOM_ID_RULE], POWERTALK_MESSAGES);
        // Android sends the file first: checked again before anything is stored.
        await assertGroupAdmin(deps, actor, roomID);
        return ok(await uploadRoomPhoto(deps, actor, roomID, received.file, linkBase(deps, request)));
      } finally {
        await received.discard();
      }
    },
  };
}
