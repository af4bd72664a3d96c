// POST /v1/auth/access_token/request (PowerTalk) answered before routing (http/fast-path.ts) when its
// App-Key is cached and neither it nor the ticket is over its failure limit: the redemption is the
// route's own service call, waited for here. A redemption that fails (a ticket used, expired, revoked
// or not ours) goes to the route, which does it again and answers the refusal: the failure is counted
// once, by the route's guard, and nothing was written (the redemption is one transaction or statement).
// The body is not read by either: the SDK sends `""`.
import type { Deps } from '../../deps.ts';
import { KEY_HEADER } from '../../credentials.ts';
import { deviceInfo } from '../../http/client-realm.ts';
import { parseBearer, parseKeyHeader } from '../../http/credential-headers.ts';
import { type FastPath, type FastPathContext, Later, postFastPath } from '../../http/fast-path.ts';
import { credentialOverLimit } from '../../http/guard.ts';
import { redeemTicket } from '../../services/redemption.ts';
import { cachedKey } from '../../services/key-auth.ts';

const APP_KEY = KEY_HEADER.app.toLowerCase();
const ACCESS_TOKEN_PATH = '/v1/auth/access_token/request';

export function accessTokenFastPath(deps: Deps, ctx: FastPathContext, bodyLimit: number): FastPath {
  return postFastPath(deps, ctx, ACCESS_TOKEN_PATH, bodyLimit, {
    admit(req) {
      const key = req.headers[APP_KEY];
      const ticket = parseBearer(req.headers.authorization);
      // The realm's throttling rule (http/guard.ts): the key and the ticket together are the credential.
      if (ticket === undefined || credentialOverLimit(deps, [key, req.headers.authorization])) return undefined;
      const app = cachedKey(deps, 'app', parseKeyHeader('app', key));
      return app === undefined ? undefined : { projectId: app.projectId, ticket, device: deviceInfo(req) };
    },
    data: ({ projectId, ticket, device }) => new Later(() => redeemTicket(deps, 'powertalk', projectId, ticket, device)),
  });
}
