// POST /api/visitor/v1/client/case/get_list — the visitor's cases, newest first; `withTapTalkRoom`
// adds each room's newest message and unread count.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { BOOLEAN, describeRoute, object } from '../../http/openapi.ts';
import { visitorCaseViews } from '../../services/case-lists.ts';
import { listVisitorCases } from '../../services/cases.ts';
import { clientBody } from '../../validation.ts';
import { boolParam } from '../client/chat-params.ts';
import { CASE_OBJECT, visitorOf } from './visitor-params.ts';

export function visitorCaseGetList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/get_list',
    schema: describeRoute({
      summary: 'The visitor’s Live Chat cases',
      realm: 'visitor',
      body: object({ withTapTalkRoom: BOOLEAN }),
      data: object({ cases: { type: 'array', items: CASE_OBJECT } }),
    }),
    handler: async (request) => {
      const withRoom = boolParam(clientBody(request.body), 'withTapTalkRoom', false);
      const visitor = visitorOf(request);
      return ok({ cases: await visitorCaseViews(deps, visitor.projectId, await listVisitorCases(deps, visitor), withRoom) });
    },
  };
}
