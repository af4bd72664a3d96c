// POST /api/visitor/v1/client/scf/get_path — the launcher's FAQ tree, asked for at start (Secret-Key
// only). Parley has none: OneTalk's clients read 40401 with "not set" in the message as "no FAQ, go
// straight to the topics" (onetalk-protocol.md §2.3), so that is the answer, not an error to show.
import type { RouteOptions } from 'fastify';
import { ApiError } from '../../errors.ts';
import { describeRoute, object } from '../../http/openapi.ts';

export function visitorScfGetPath(): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/scf/get_path',
    schema: describeRoute({
      summary: 'The launcher’s FAQ tree: none is set (404 / 40401)',
      realm: 'visitor',
      appKeyOnly: true,
      data: object({ item: { type: 'object' } }),
    }),
    config: { bearer: 'own' },
    handler: async () => {
      // 40401 is the code OneTalk's clients test for; its default text ("User not found") is not meant here.
      throw new ApiError('UserNotFound', { message: 'The help center path is not set' });
    },
  };
}
