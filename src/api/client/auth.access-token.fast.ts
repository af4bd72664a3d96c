// PowerTalk's ticket redemption and refresh answered before routing (http/fast-path.ts) when the App-Key
// is cached and neither it nor the Bearer token is over its failure limit: each is the route's own
// service call, waited for here. The body is read by neither: the SDK sends `""`.
// - POST /v1/auth/access_token/request: a redemption that fails (a ticket used, expired, revoked or not
//   ours) goes to the route, which does it again and answers the refusal: the failure is counted once,
//   by the route's guard, and nothing was written (the redemption is one transaction or statement).
// - POST /v1/auth/access_token/refresh: a refresh that fails is answered by the route with that very
//   failure, not done again, since a refresh token presented twice revokes its session (a second try
//   would be refused for the revocation instead); the route's guard counts it once.
import type { IncomingMessage } from 'node:http';
import type { Deps } from '../../deps.ts';
import { KEY_HEADER } from '../../credentials.ts';
import { deviceInfo } from '../../http/client-realm.ts';
import { connectionKey } from '../../http/connection-key.ts';
import { parseBearer } from '../../http/credential-headers.ts';
import { type FastPath, type FastPathContext, Later, postFastPath } from '../../http/fast-path.ts';
import { credentialOverLimit } from '../../http/guard.ts';
import { redeemTicket } from '../../services/redemption.ts';
import { refreshSession } from '../../services/refresh.ts';

const APP_KEY = KEY_HEADER.app.toLowerCase();
const ACCESS_TOKEN_PATH = '/v1/auth/access_token/request';
const REFRESH_PATH = '/v1/auth/access_token/refresh';

/** The project of a cached App-Key and the Bearer token, or undefined for the route. */
function admitted(deps: Deps, req: IncomingMessage): { projectId: string; token: string } | undefined {
  const key = req.headers[APP_KEY];
  const token = parseBearer(req.headers.authorization);
  // The realm's throttling rule (http/guard.ts): the key and the token together are the credential.
  if (token === undefined || credentialOverLimit(deps, [key, req.headers.authorization])) return undefined;
  const app = connectionKey(deps, 'app', key, req.socket);
  return app === undefined ? undefined : { projectId: app.projectId, token };
}

export function accessTokenFastPath(deps: Deps, ctx: FastPathContext, bodyLimit: number): FastPath {
  return postFastPath(deps, ctx, ACCESS_TOKEN_PATH, bodyLimit, {
    admit(req) {
      const caller = admitted(deps, req);
      return caller === undefined ? undefined : { projectId: caller.projectId, token: caller.token, device: deviceInfo(req) };
    },
    data: ({ projectId, token, device }) => new Later(() => redeemTicket(deps, 'powertalk', projectId, token, device)),
  });
}

export function refreshFastPath(deps: Deps, ctx: FastPathContext, bodyLimit: number): FastPath {
  return postFastPath(deps, ctx, REFRESH_PATH, bodyLimit, {
    admit: (req) => admitted(deps, req),
    data: ({ projectId, token }) => new Later(() => refreshSession(deps, 'powertalk', projectId, token), 'answer'),
  });
}
