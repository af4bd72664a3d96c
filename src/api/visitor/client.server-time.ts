// POST /api/visitor/v1/client/server_time — the server's clock (OneTalk's iOS 1.2.0 asks; Secret-Key
// only), as a protobuf-style timestamp.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';

export function visitorServerTime(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/server_time',
    schema: describeRoute({
      summary: 'The server’s time (Secret-Key only)',
      realm: 'visitor',
      appKeyOnly: true,
      data: object({ timestamp: object({ seconds: INTEGER, nanos: INTEGER }) }),
    }),
    config: { bearer: 'own' },
    handler: async () => {
      const now = deps.clock.now();
      return ok({ timestamp: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1_000_000 } });
    },
  };
}
