// POST /api/visitor/v1/client/case/get_by_id — `{id}` (iOS 1.2.0: `{caseID}`): one of the visitor's cases.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { INTEGER, describeRoute, object } from '../../http/openapi.ts';
import { visitorCaseViews } from '../../services/case-lists.ts';
import { caseOfVisitor } from '../../services/cases.ts';
import { clientBody } from '../../validation.ts';
import { CASE_OBJECT, caseIdOf, visitorOf } from './visitor-params.ts';

export function visitorCaseGetById(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/get_by_id',
    schema: describeRoute({
      summary: 'One of the visitor’s Live Chat cases',
      realm: 'visitor',
      body: object({ id: INTEGER, caseID: INTEGER }),
      data: object({ case: CASE_OBJECT }),
    }),
    handler: async (request) => {
      const visitor = visitorOf(request);
      const c = await caseOfVisitor(deps, visitor, caseIdOf(clientBody(request.body)));
      const [view] = await visitorCaseViews(deps, visitor.projectId, [c], true);
      return ok({ case: view });
    },
  };
}
