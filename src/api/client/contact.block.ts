// POST /v1/client/contact/block — {userID} → {success, message, user}; user/block to the caller's
// devices. Unknown user 40401, oneself 40002 (docs/people.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { blockUser } from '../../services/blocks.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';

export const USER_ID_RULES = [{ name: 'userID', field: 'userID', label: 'User ID', required: true, max: 20 }] as const;
export const USER_RESULT = object({ success: BOOLEAN, message: STRING, user: { type: 'object', additionalProperties: true } });

/** `userID` as the SDKs send it (a string; apps may pass a number). */
export function userIdOf(raw: unknown): string {
  const body = clientBody(raw);
  return validate(typeof body.userID === 'number' ? { ...body, userID: String(body.userID) } : body, USER_ID_RULES, POWERTALK_MESSAGES).userID;
}

export function contactBlock(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/block',
    schema: describeRoute({
      summary: 'Block a user: they can no longer write to the caller nor add the caller to groups or contacts',
      realm: 'client',
      body: bodyFromRules(USER_ID_RULES),
      data: USER_RESULT,
    }),
    handler: async (request) => ok(await blockUser(deps, chatActorOf(request), userIdOf(request.body))),
  };
}
