// POST /v1/server/session/revoke_user — ends every session of one user at once (docs/sessions.md).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { revokeUserSessions } from '../../services/sessions.ts';
import { POWERTALK_MESSAGES, validate } from '../../validation.ts';
import { BOOLEAN, INTEGER, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

const RULES = [{ name: 'xcUserID', field: 'xcUserID', label: 'XC user ID', required: true, max: 50 }] as const;

export function sessionRevokeUser(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/server/session/revoke_user',
    schema: describeRoute({
      summary: 'Revoke every session of a user',
      realm: 'server',
      body: bodyFromRules(RULES),
      data: object({ success: BOOLEAN, message: STRING, revokedSessions: INTEGER }),
    }),
    handler: async (request) => {
      const { xcUserID } = validate(request.body, RULES, POWERTALK_MESSAGES);
      const revokedSessions = await revokeUserSessions(deps, keyAuthOf(request).projectId, xcUserID);
      return ok({ success: true, message: 'Sessions revoked', revokedSessions });
    },
  };
}
