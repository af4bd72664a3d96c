// POST /v1/client/user/photo/get_list — {userID} → {photos: [{id, thumbnailImageURL,
// fullsizeImageURL, createdTime}]}, newest first (Android TapGetPhotoListResponse).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { userPhotos } from '../../services/photos.ts';
import { USER_ID_RULES, userIdOf } from './contact.block.ts';

const PHOTO = object({ id: INTEGER, thumbnailImageURL: STRING, fullsizeImageURL: STRING, createdTime: INTEGER });

export function userPhotoGetList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/photo/get_list',
    schema: describeRoute({
      summary: "A user's profile photos, newest first",
      realm: 'client',
      body: bodyFromRules(USER_ID_RULES),
      data: object({ photos: { type: 'array', items: PHOTO } }),
    }),
    handler: async (request) => {
      const id = Number(userIdOf(request.body));
      return ok(await userPhotos(deps, chatActorOf(request), Number.isSafeInteger(id) ? id : -1));
    },
  };
}
