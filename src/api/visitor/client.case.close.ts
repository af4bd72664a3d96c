// POST /api/visitor/v1/client/case/close — `{id}`: the visitor closes their case (3001, then 3003).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { BOOLEAN, INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { closeCase } from '../../services/cases.ts';
import { clientBody } from '../../validation.ts';
import { caseIdOf, visitorOf } from './visitor-params.ts';

export function visitorCaseClose(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/case/close',
    schema: describeRoute({
      summary: 'Close one of the visitor’s Live Chat cases',
      realm: 'visitor',
      body: object({ id: INTEGER }),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const visitor = visitorOf(request);
      const { changed } = await closeCase(deps, visitor.projectId, caseIdOf(clientBody(request.body)), { by: 'visitor', visitor });
      return ok({ success: true, message: changed ? 'Case closed successfully' : 'Case is already closed' });
    },
  };
}
