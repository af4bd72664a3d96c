// POST /v1/client/user/update_bio — {bio} → {user}; '' clears it. At most 100 characters (the
// Android SDK's own field limit); the user object carries `bio` everywhere from then on.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { setBio } from '../../services/profile.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';

const RULES = [{ name: 'bio', field: 'bio', label: 'Bio', required: false, max: 100 }] as const;

export function userUpdateBio(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/user/update_bio',
    schema: describeRoute({
      summary: "Set the caller's bio ('' clears it)",
      realm: 'client',
      body: object({ bio: { ...STRING, maxLength: 100 } }),
      data: object({ user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => {
      const { bio } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await setBio(deps, chatActorOf(request), bio ?? ''));
    },
  };
}
