// POST /api/visitor/v1/client/topic/get_list — the topics a visitor opens cases on (Secret-Key; the
// launcher loads them before anyone signs in, so a token is not needed).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientProjectOf } from '../../http/request-auth.ts';
import { describeRoute, object } from '../../http/openapi.ts';
import { listTopics } from '../../services/livechat-setup.ts';

export function visitorTopicGetList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/topic/get_list',
    schema: describeRoute({
      summary: 'Live Chat topics (Secret-Key only)',
      realm: 'visitor',
      appKeyOnly: true,
      data: object({ topics: { type: 'array', items: { type: 'object' } } }),
    }),
    config: { bearer: 'own' },
    handler: async (request) => {
      const topics = await listTopics(deps, clientProjectOf(request));
      return ok({ topics: topics.map((t) => ({ id: t.id, name: t.name, createdTime: t.createdAt, updatedTime: t.updatedAt, deletedTime: 0 })) });
    },
  };
}
