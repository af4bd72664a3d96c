// POST {prefix}/v1/auth/access_token/request — Bearer <auth ticket>, redeemed once (spec §3.2).
// Served for PowerTalk at /v1/… and for OneTalk Live Chat at /api/visitor/v1/…. PowerTalk's is also
// answered before routing (auth.access-token.fast.ts), which hands anything else here, body and all.
import { replayBody } from '../../http/fast-path.ts';
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { deviceInfo } from '../../http/client-realm.ts';
import { clientProjectOf } from '../../http/request-auth.ts';
import { bearerToken } from '../../http/credential-headers.ts';
import { redeemTicket } from '../../services/redemption.ts';
import type { SessionKind } from '../../storage/schema.ts';
import { TOKEN_BUNDLE, describeRoute } from '../../http/openapi.ts';

export function accessTokenRequest(deps: Deps, kind: SessionKind, prefix = ''): RouteOptions {
  return {
    method: 'POST',
    url: `${prefix}/v1/auth/access_token/request`,
    schema: describeRoute({
      summary: 'Redeem an auth ticket (Bearer <ticket>) for access and refresh tokens',
      realm: prefix === '' ? 'client' : 'visitor',
      appKeyOnly: true,
      data: TOKEN_BUNDLE,
    }),
    config: { bearer: 'own' },
    preParsing: replayBody,
    handler: async (request) => {
      const ticket = bearerToken(request.headers.authorization);
      return ok(await redeemTicket(deps, kind, clientProjectOf(request), ticket, deviceInfo(request)));
    },
  };
}
