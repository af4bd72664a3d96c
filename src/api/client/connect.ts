// GET /connect?check=1 — the SDK's token check before it opens the socket (spec §3.3).
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';

export function connectCheck(): RouteOptions {
  return {
    method: 'GET',
    url: '/connect',
    // The realm hook has already verified the access token by the time we get here.
    handler: async () => ok({}),
  };
}
