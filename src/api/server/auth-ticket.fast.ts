// POST /v1/server/auth_ticket/request answered before routing (http/fast-path.ts) when the caller is
// known in memory: a cached Server-Key whose credential is not over its failure limit, no
// Idempotency-Key to honour (that lives in the route's hooks), and the per-key rate limit off or
// counted in this process (http/request-windows.ts: counted here as the route counts it, with its
// headers). A returning user whose cached profile the request leaves unchanged gets a ticket that is
// only signed; any other valid request (a new user, a changed or uncached one) is the route's own
// service call, waited for here. Anything else — a bad key, a validation error, a key over its rate —
// goes to the route, body and all, which checks again and explains. (A request over the rate is counted
// twice, here and by the route: past the limit, that changes no header and no answer. So is one whose
// write failed, which the route does again.)
import type { Deps } from '../../deps.ts';
import { KEY_HEADER } from '../../credentials.ts';
import { connectionKey } from '../../http/connection-key.ts';
import { type FastPath, type FastPathContext, Later, postFastPath } from '../../http/fast-path.ts';
import { credentialOverLimit } from '../../http/guard.ts';
import { cachedAuthTicket, requestAuthTicket } from '../../services/powertalk.ts';
import { AUTH_TICKET_PATH, ticketInput } from './auth-ticket.request.ts';

const SERVER_KEY = KEY_HEADER.server.toLowerCase();

export function authTicketFastPath(deps: Deps, ctx: FastPathContext, bodyLimit: number): FastPath {
  return postFastPath(deps, ctx, AUTH_TICKET_PATH, bodyLimit, {
    admit(req) {
      if (req.headers['idempotency-key'] !== undefined) return undefined;
      // Counted in Redis (several nodes): that is the route's round trip to make.
      if (deps.rateLimitPerMinute !== 0 && !deps.requestWindows.has('server')) return undefined;
      const header = req.headers[SERVER_KEY];
      // The throttling rule (http/guard.ts): a credential over its failure limit is refused by the route.
      if (credentialOverLimit(deps, [header])) return undefined;
      return connectionKey(deps, 'server', header, req.socket);
    },
    data: (key, body) => {
      const input = ticketInput(body);
      return cachedAuthTicket(deps, key.projectId, input) ?? new Later(() => requestAuthTicket(deps, key.projectId, input));
    },
    count: (key) => (deps.rateLimitPerMinute === 0 ? {} : deps.requestWindows.get('server')?.hitBeforeRouting(key.keyId)),
  });
}
