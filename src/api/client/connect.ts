// GET /connect?check=1 — the SDK's token check before it opens the socket (spec §3.3).
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';
import { describeRoute, object } from '../../http/openapi.ts';

export function connectCheck(): RouteOptions {
  return {
    method: 'GET',
    url: '/connect',
    schema: describeRoute({ summary: 'Check an access token (with ?check=1)', realm: 'client', data: object({}) }),
    // Answered from memory (and mostly before routing, http/fast-path.ts): not worth a user's rate.
    config: { userRate: false },
    // The realm hook has already verified the access token by the time we get here.
    handler: async () => ok({}),
  };
}
