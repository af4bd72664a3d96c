// POST /v1/client/user/photo/delete — {id, createdTime} → {user}. Deleting the main photo makes the
// newest remaining one the picture (none left: no picture). createdTime is accepted and not needed.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { deletePhoto } from '../../services/photos.ts';
import { photoIdOf } from './user.photo.set-main.ts';
import { USER_OBJECT } from './user.photo.upload.ts';

export function userPhotoDelete(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/photo/delete',
    schema: describeRoute({
      summary: "Delete one of the caller's photos",
      realm: 'client',
      body: object({ id: INTEGER, createdTime: INTEGER }),
      data: USER_OBJECT,
    }),
    handler: async (request) => ok(await deletePhoto(deps, chatActorOf(request), photoIdOf(request.body))),
  };
}
