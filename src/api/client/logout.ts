// POST {prefix}/v1/client/logout (and OneTalk iOS's {prefix}/v1/logout) — ends the session.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientAuthOf } from '../../http/request-auth.ts';
import { logout } from '../../services/sessions.ts';
import { BOOLEAN, STRING, describeRoute, object } from '../../http/openapi.ts';

export function clientLogout(deps: Deps, url: string): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({
      summary: 'End the session',
      realm: url.startsWith('/api/visitor') ? 'visitor' : 'client',
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      await logout(deps, clientAuthOf(request));
      return ok({ success: true, message: 'Logged out successfully' });
    },
  };
}
