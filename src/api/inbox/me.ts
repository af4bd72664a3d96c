// GET /inbox/api/me — the signed-in agent and the session's CSRF token (a reloaded page asks here).
// Without a cookie: `{agent: null}` (HTTP 200, so a page's first look is no error); a cookie that is no
// live session is refused as everywhere in the realm.
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { inboxAuthOf } from '../../http/request-auth.ts';
import type { Agent } from '../../repos/livechat.ts';
import { csrfTokenOf } from '../../services/agent-sessions.ts';
import { AGENT } from './inbox-params.ts';

export const agentView = (a: Agent) => ({
  agentID: a.id,
  projectID: a.projectId,
  email: a.email,
  fullName: a.fullName,
  userID: String(a.userId),
  topicIDs: a.topicIds,
});

export function inboxMe(): RouteOptions {
  return {
    method: 'GET',
    url: '/inbox/api/me',
    schema: describeRoute({ summary: 'Inbox: who is signed in', realm: 'inbox', data: object({ agent: AGENT, csrfToken: STRING, expiresAt: INTEGER }) }),
    config: { inbox: 'optional' },
    handler: async (request) => {
      if (request.auth === null) return ok({ agent: null, csrfToken: '', expiresAt: 0 });
      const auth = inboxAuthOf(request);
      return ok({ agent: agentView(auth.agent), csrfToken: csrfTokenOf(auth.token), expiresAt: auth.session.expiresAt });
    },
  };
}
