// POST /v1/server/session/revoke_all — ends every session of the project issued before a time.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { revokeSessionsBefore } from '../../services/sessions.ts';
import { jsonObject } from '../../validation.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';

export function sessionRevokeAll(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/server/session/revoke_all',
    schema: describeRoute({
      summary: 'Revoke every session of the project issued before a time',
      realm: 'server',
      body: object({ before: { type: 'integer', minimum: 0, description: 'epoch ms; default now' } }),
      data: object({ success: BOOLEAN, message: STRING, revokedSessions: INTEGER }),
    }),
    handler: async (request) => {
      const body = jsonObject(request.body);
      const before = body.before ?? deps.clock.now();
      if (typeof before !== 'number' || !Number.isSafeInteger(before) || before < 0) {
        throw new ApiError('ParamValidationFailed', {
          field: 'before',
          message: "Param 'before' must be a time in epoch milliseconds",
        });
      }
      const revokedSessions = await revokeSessionsBefore(deps, keyAuthOf(request).projectId, before);
      return ok({ success: true, message: 'Sessions revoked', revokedSessions });
    },
  };
}
