// GET /demo/users — the demo's users ({userID, xcUserID, fullname, isOnline}), so the page can offer
// whom to chat with.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { BOOLEAN, STRING, describeRoute, object } from '../../http/openapi.ts';
import { type DemoKeys, listDemoUsers } from '../../services/demo.ts';

const USER = object({ userID: STRING, xcUserID: STRING, fullname: STRING, isOnline: BOOLEAN });

export function demoUsers(deps: Deps, keys: DemoKeys): RouteOptions {
  return {
    method: 'GET',
    url: '/demo/users',
    schema: describeRoute({
      summary: 'Demo: the users who signed in on the demo page',
      realm: 'demo',
      data: object({ users: { type: 'array', items: USER } }),
    }),
    handler: async () => {
      const { projectId } = await keys.get();
      return ok({ users: await listDemoUsers(deps, projectId) });
    },
  };
}
