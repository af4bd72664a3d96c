// POST {prefix}/v1/auth/access_token/refresh — Bearer <refresh token>; rotates it (spec §2.3, §3.4).
// PowerTalk's is also answered before routing (auth.access-token.fast.ts), which hands anything else
// here, body and all, with the failure its refresh met when it met one.
import { failedBeforeRouting, replayBody } from '../../http/fast-path.ts';
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientProjectOf } from '../../http/request-auth.ts';
import { bearerToken } from '../../http/credential-headers.ts';
import { refreshSession } from '../../services/refresh.ts';
import type { SessionKind } from '../../storage/schema.ts';
import { TOKEN_BUNDLE, describeRoute } from '../../http/openapi.ts';

export function accessTokenRefresh(deps: Deps, kind: SessionKind, prefix = ''): RouteOptions {
  return {
    method: 'POST',
    url: `${prefix}/v1/auth/access_token/refresh`,
    schema: describeRoute({
      summary: 'Rotate the refresh token (Bearer <refreshToken>) for a new bundle',
      realm: prefix === '' ? 'client' : 'visitor',
      appKeyOnly: true,
      data: TOKEN_BUNDLE,
    }),
    config: { bearer: 'own' },
    preParsing: replayBody,
    handler: async (request) => {
      failedBeforeRouting(request);
      const refreshToken = bearerToken(request.headers.authorization);
      return ok(await refreshSession(deps, kind, clientProjectOf(request), refreshToken));
    },
  };
}
