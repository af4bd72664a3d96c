// POST {prefix}/v1/client/logout (and OneTalk iOS's {prefix}/v1/logout) — ends the session.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientAuthOf } from '../../http/client-realm.ts';
import { logout } from '../../services/sessions.ts';

export function clientLogout(deps: Deps, url: string): RouteOptions {
  return {
    method: 'POST',
    url,
    handler: async (request) => {
      await logout(deps, clientAuthOf(request));
      return ok({ success: true, message: 'Logged out successfully' });
    },
  };
}
