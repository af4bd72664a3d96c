// POST /v1/client/user/photo/upload — multipart `file` (an image, at most userPhotoMaxFileSize,
// 10 MiB) → {user}: the new photo becomes the caller's picture (imageURL thumbnail and fullsize).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { receiveUpload } from '../../files/intake.ts';
import { linkBase } from '../../http/file-reply.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute, object } from '../../http/openapi.ts';
import { PHOTO_MAX_BYTES } from '../../services/files.ts';
import { uploadUserPhoto } from '../../services/photos.ts';

export const USER_OBJECT = object({ user: { type: 'object', additionalProperties: true } });

export function userPhotoUpload(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/photo/upload',
    schema: describeRoute({ summary: "Upload a profile photo (multipart `file`); it becomes the caller's picture", realm: 'client', data: USER_OBJECT }),
    handler: async (request) => {
      const received = await receiveUpload(request, { maxBytes: PHOTO_MAX_BYTES });
      try {
        return ok(await uploadUserPhoto(deps, chatActorOf(request), received.file, linkBase(deps, request)));
      } finally {
        await received.discard();
      }
    },
  };
}
