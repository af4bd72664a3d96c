// POST /inbox/api/logout — ends the session and clears the cookie.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { setInboxCookie } from '../../http/inbox-realm.ts';
import { BOOLEAN, describeRoute, object } from '../../http/openapi.ts';
import { inboxAuthOf } from '../../http/request-auth.ts';
import { signOut } from '../../services/agent-sessions.ts';

export function inboxLogout(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/logout',
    schema: describeRoute({ summary: 'Inbox: the agent signs out', realm: 'inbox', data: object({ success: BOOLEAN }) }),
    handler: async (request, reply) => {
      await signOut(deps, inboxAuthOf(request).session);
      setInboxCookie(request, reply, '');
      return ok({ success: true });
    },
  };
}
