// POST /v1/client/user/photo/set_main — {id} → {user}: one of the caller's photos becomes their
// picture. A photo that is not the caller's is 40410 (field id).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { setMainPhoto } from '../../services/photos.ts';
import { clientBody } from '../../validation.ts';
import { intParam } from './chat-params.ts';
import { USER_OBJECT } from './user.photo.upload.ts';

/** A photo id (a number; the web SDK passes what the list gave it). */
export function photoIdOf(raw: unknown): number {
  return intParam(clientBody(raw), 'id', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 });
}

export function userPhotoSetMain(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/photo/set_main',
    schema: describeRoute({ summary: "Make one of the caller's photos their picture", realm: 'client', body: object({ id: INTEGER }), data: USER_OBJECT }),
    handler: async (request) => ok(await setMainPhoto(deps, chatActorOf(request), photoIdOf(request.body))),
  };
}
