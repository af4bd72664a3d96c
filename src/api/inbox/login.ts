// POST /inbox/api/login — `{project, email, password}` → the session cookie and its CSRF token.
// Failures count against the source address and the account (project + email) in the auth-failure
// guard (http/guard.ts), never against the password: its hash is no one's business, not even a counter's.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { admitAttempt, attemptSubjects } from '../../http/guard.ts';
import { setInboxCookie } from '../../http/inbox-realm.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { signIn } from '../../services/agent-sessions.ts';
import { PASSWORD_LENGTH } from '../../services/livechat-setup.ts';
import { AGENT, textParam } from './inbox-params.ts';
import { agentView } from './me.ts';

export function inboxLogin(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/inbox/api/login',
    schema: describeRoute({
      summary: 'Inbox: an agent signs in (sets the session cookie)',
      realm: 'inbox',
      body: object({ project: STRING, email: STRING, password: STRING }),
      data: object({ agent: AGENT, csrfToken: STRING }),
    }),
    config: { inbox: 'signin' },
    handler: async (request, reply) => {
      const project = textParam(request, 'project', { max: 250, required: true });
      const email = textParam(request, 'email', { max: 250, required: true });
      const password = textParam(request, 'password', { max: PASSWORD_LENGTH.max, required: true });
      request.attempt = await admitAttempt(deps, attemptSubjects(request.ip, ['inbox', project, email.trim().toLowerCase()]));
      const session = await signIn(deps, { project, email, password });
      setInboxCookie(request, reply, session.token);
      return ok({ agent: agentView(session.agent), csrfToken: session.csrfToken });
    },
  };
}
