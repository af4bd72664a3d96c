// POST /api/visitor/v1/client/user/get — the signed-in Live Chat contact (onetalk-protocol.md §2.3).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientAuthOf } from '../../http/request-auth.ts';
import { getSessionUser } from '../../services/sessions.ts';
import { describeRoute, object } from '../../http/openapi.ts';

export function visitorUserGet(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/user/get',
    schema: describeRoute({
      summary: 'The signed-in Live Chat user',
      realm: 'visitor',
      data: object({ user: { type: 'object', additionalProperties: true } }),
    }),
    handler: async (request) => ok({ user: await getSessionUser(deps, clientAuthOf(request)) }),
  };
}
