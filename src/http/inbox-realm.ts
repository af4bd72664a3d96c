// The agents' inbox realm (/inbox/api/): a cookie session, HTTP status = envelope status. One hook
// authenticates the cookie; every call but a GET must also carry the session's CSRF token in
// X-Parley-CSRF, and a request whose Origin is another site's is refused whatever it carries.
// docs/livechat.md ("The inbox").
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { INBOX_SESSION_TTL_MS, authenticateAgent, csrfMatches } from '../services/agent-sessions.ts';
import { guardCredentials } from './guard.ts';
import './request-auth.ts';

export const INBOX_COOKIE = 'parley_inbox';
export const CSRF_HEADER = 'x-parley-csrf';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * 'signin': the route takes no session (signing in), but still refuses other sites. 'optional': a
     * call without the cookie passes unauthenticated (`me` says who is signed in, maybe nobody).
     */
    inbox?: 'signin' | 'optional';
  }
}

/** The inbox cookie's value, or undefined. */
export function inboxCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === INBOX_COOKIE) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** Sets (or, with '', clears) the cookie: HttpOnly, SameSite=Strict, Path=/inbox, Secure over https. */
export function setInboxCookie(request: FastifyRequest, reply: FastifyReply, token: string): void {
  const age = token === '' ? 0 : Math.floor(INBOX_SESSION_TTL_MS / 1000);
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${INBOX_COOKIE}=${token}; Path=/inbox; Max-Age=${age}; HttpOnly; SameSite=Strict${secure}`);
}

/** A browser's request from another site: an Origin that is not ours, or Sec-Fetch-Site cross-site. */
function crossSite(request: FastifyRequest): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return origin !== `${request.protocol}://${request.host}`;
}

export function useInboxRealm(app: FastifyInstance, deps: Deps): void {
  app.decorateRequest('auth', null);
  guardCredentials(app, deps, (request) => [inboxCookieOf(request)], 'status');
  app.addHook('onRequest', async (request, reply) => {
    const reads = request.method === 'GET' || request.method === 'HEAD';
    if (!reads && crossSite(request)) throw new ApiError('InboxCrossSite', { message: 'Cross-site request refused (Origin)' });
    const mode = request.routeOptions.config.inbox;
    if (mode === 'signin' || (mode === 'optional' && inboxCookieOf(request) === undefined)) return;
    const auth = await authenticateAgent(deps, inboxCookieOf(request));
    if (!reads && !csrfMatches(auth.token, request.headers[CSRF_HEADER])) {
      throw new ApiError('InboxCrossSite', { message: 'Cross-site request refused (X-Parley-CSRF)' });
    }
    if (auth.extended) setInboxCookie(request, reply, auth.token);
    request.auth = { realm: 'inbox', ...auth };
  });
}
